import MoatBytes

/// Decodes whole objects of one mapped pack: inflates entries and applies delta chains, keeping
/// the most recently decoded objects (up to `cacheLimit` bytes) so that a chain met in pack order
/// is decoded once, not once per object as with libgit2's reads in walk order.
///
/// Sizes declared by the pack are trusted only within real bounds: an entry's inflated size must
/// be reachable from its compressed span (zlib expands at most ~1032:1), a delta's result size
/// from its instructions and base, and nothing over `maxObjectSize` is decoded. Any mismatch
/// (a stream that ends early or runs long, a copy outside its base, a chain that loops) gives nil.
///
/// Not thread-safe: one decoder per worker and pack.
final class PackObjectDecoder {
    let pack: PackLayout
    /// Objects bigger than this are not decoded here (the caller reads them another way).
    let maxObjectSize: Int
    let cacheLimit: Int

    /// The first bytes of a delta (`objectSize`) and whole objects.
    private let inflater: Inflater?
    private var cache: [Int32: [UInt8]] = [:]
    private var cacheOrder: [Int32] = []
    private var cacheHead = 0
    private var cacheBytes = 0

    /// Inflated and delta-applied bytes produced so far (for statistics).
    private(set) var bytesDecoded = 0

    init(pack: PackLayout, maxObjectSize: Int = BlobReadPolicy.maxStreamCap, cacheLimit: Int = 32 << 20) {
        self.pack = pack
        self.maxObjectSize = maxObjectSize
        self.cacheLimit = cacheLimit
        inflater = Inflater()
    }

    /// The content of entry `k` (its type is `pack.types[k]`), or nil when it cannot be decoded
    /// within the bounds above.
    func object(_ k: Int) -> [UInt8]? {
        if let hit = cache[Int32(k)] { return hit }
        // Walk down the chain to a cached object or a whole entry, then apply the deltas back up.
        var chain: [Int] = []
        var j = k
        var current: [UInt8]
        while true {
            if j != k, let hit = cache[Int32(j)] { current = hit; break }
            let base = Int(pack.deltaBases[j])
            if base < 0 {
                guard let whole = inflateEntry(j, delta: false) else { return nil }
                current = whole
                remember(j, whole)
                break
            }
            chain.append(j)
            guard chain.count <= PackLayout.maxChainDepth else { return nil }
            j = base
        }
        for d in chain.reversed() {
            guard let delta = inflateEntry(d, delta: true), let result = apply(delta, to: current) else { return nil }
            current = result
            remember(d, result)
        }
        return current
    }

    /// The size of entry `k`'s object without decoding it: the header's size for a whole entry; for
    /// a delta, the result size at the start of its instructions (a few bytes inflated). nil when
    /// the entry is malformed.
    func objectSize(_ k: Int) -> Int? {
        guard let (header, start) = pack.dataStart(k), start < pack.ends[k] else { return nil }
        // A declared size the entry's bytes cannot inflate to is a lie: let libgit2 judge it.
        guard header.size <= (pack.ends[k] - start) * 1032 + 64 else { return nil }
        guard header.kind.isDelta else { return header.size }
        guard let prefix = inflatePrefix(start: start, end: pack.ends[k], count: 32) else { return nil }
        return prefix.withUnsafeBufferPointer { d in
            var p = 0
            guard Self.varint(d, &p) != nil else { return nil }
            return Self.varint(d, &p)
        }
    }

    /// Up to `count` bytes inflated from the zlib data at `start`, or nil when it is not zlib data.
    private func inflatePrefix(start: Int, end: Int, count: Int) -> [UInt8]? {
        guard end - start >= 2, checkZlibHeader(start), let inflater else { return nil }
        return inflater.prefix(UnsafeRawBufferPointer(start: pack.base + start + 2, count: end - start - 2), wrapper: .raw, count: count)
    }

    /// A zlib header git writes: deflate, window <= 32K, no preset dictionary, valid check bits.
    private func checkZlibHeader(_ start: Int) -> Bool {
        let cmf = pack.base.load(fromByteOffset: start, as: UInt8.self)
        let flg = pack.base.load(fromByteOffset: start + 1, as: UInt8.self)
        return cmf & 0x0F == 8 && cmf >> 4 <= 7 && flg & 0x20 == 0 && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0
    }

    /// Inflates entry `k`'s zlib data. For a whole entry the header's size is the object's; for a
    /// delta it is the size of the delta instructions.
    private func inflateEntry(_ k: Int, delta: Bool) -> [UInt8]? {
        guard let (header, start) = pack.dataStart(k), header.kind.isDelta == delta else { return nil }
        let end = pack.ends[k]
        let span = end - start
        let size = header.size
        guard span >= 2, size <= maxObjectSize, size <= (span - 2) * 1032 + 64, checkZlibHeader(start) else { return nil }
        // The whole zlib stream (checksum included) must fit in the span and inflate to exactly `size`.
        guard let inflater, let out = inflater.whole(UnsafeRawBufferPointer(start: pack.base + start, count: span), size: size) else { return nil }
        bytesDecoded += size
        return out
    }

    /// Applies git delta instructions to `base`: two varints (base size, result size), then copy
    /// (`1xxxxxxx`, offset and size bytes selected by the low 7 bits) and insert (`0nnnnnnn`, n > 0)
    /// operations.
    func apply(_ delta: [UInt8], to base: [UInt8]) -> [UInt8]? {
        delta.withUnsafeBufferPointer { d -> [UInt8]? in
            var p = 0
            guard let sourceSize = Self.varint(d, &p), sourceSize == base.count, let resultSize = Self.varint(d, &p), resultSize <= maxObjectSize,
                  resultSize <= d.count * max(base.count, 0x7F) else { return nil }
            var ok = true
            let out = [UInt8](unsafeUninitializedCapacity: max(resultSize, 1)) { buffer, initialized in
                base.withUnsafeBufferPointer { b in
                    var w = 0
                    while p < d.count {
                        let op = d[p]
                        p += 1
                        if op & 0x80 != 0 {
                            var offset = 0, size = 0
                            for bit in 0..<4 where op & (1 << bit) != 0 {
                                guard p < d.count else { ok = false; return }
                                offset |= Int(d[p]) << (8 * bit)
                                p += 1
                            }
                            for bit in 0..<3 where op & (0x10 << bit) != 0 {
                                guard p < d.count else { ok = false; return }
                                size |= Int(d[p]) << (8 * bit)
                                p += 1
                            }
                            if size == 0 { size = 0x10000 }
                            guard offset + size <= b.count, w + size <= resultSize else { ok = false; return }
                            (buffer.baseAddress! + w).update(from: b.baseAddress! + offset, count: size)
                            w += size
                        } else if op != 0 {
                            let n = Int(op)
                            guard p + n <= d.count, w + n <= resultSize else { ok = false; return }
                            (buffer.baseAddress! + w).update(from: d.baseAddress! + p, count: n)
                            p += n
                            w += n
                        } else {
                            ok = false  // reserved opcode
                            return
                        }
                    }
                    ok = ok && w == resultSize
                }
                initialized = ok ? resultSize : 0
            }
            guard ok else { return nil }
            bytesDecoded += resultSize
            return out
        }
    }

    /// A delta header size: little-endian base-128, at most 8 groups.
    private static func varint(_ d: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> Int? {
        var value = 0, shift = 0
        while p < d.count {
            let byte = d[p]
            p += 1
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 56 { return nil }
        }
        return nil
    }

    /// Keeps `bytes` as entry `k`, dropping the oldest entries past `cacheLimit`.
    private func remember(_ k: Int, _ bytes: [UInt8]) {
        guard bytes.count <= cacheLimit / 4 else { return }
        cache[Int32(k)] = bytes
        cacheOrder.append(Int32(k))
        cacheBytes += bytes.count
        while cacheBytes > cacheLimit, cacheHead < cacheOrder.count {
            if let old = cache.removeValue(forKey: cacheOrder[cacheHead]) { cacheBytes -= old.count }
            cacheHead += 1
        }
        if cacheHead > 4096, cacheHead * 2 > cacheOrder.count {
            cacheOrder.removeFirst(cacheHead)
            cacheHead = 0
        }
    }
}
