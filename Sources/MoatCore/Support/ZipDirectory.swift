import MoatBytes

/// The entry list of a zip archive, read from its central directory (or, when the tail cannot be
/// reached, from the local headers in the head). Names are never used as paths: nothing is extracted.
public struct ZipDirectory: Sendable {
    public struct Entry: Sendable {
        public var name: [UInt8]
        public var method: UInt16
        public var flags: UInt16
        public var compressedSize: Int
        public var uncompressedSize: Int
        public var localHeaderOffset: Int
        public var extraField: [UInt8]
        public var nameString: String { String(decoding: name, as: UTF8.self) }
    }

    /// Entries in archive order, at most `maxEntries`.
    public var entries: [Entry]
    /// True when the list came from the central directory (complete); false for a head-only walk.
    public var complete: Bool
    /// Total entries the archive declares (may exceed `entries.count` when capped).
    public var declaredCount: Int

    static let maxEntries = 20_000
    static let maxCentralDirectory = 32 * 1024 * 1024

    /// Reads the directory of a zip, or nil when the content is not a zip.
    static func read(_ input: SniffInput) -> ZipDirectory? {
        guard input.head.has([0x50, 0x4B, 0x03, 0x04], at: 0) || input.head.has([0x50, 0x4B, 0x05, 0x06], at: 0) else { return nil }
        if input.source.isRandomAccess, let dir = readCentral(input) { return dir }
        return readLocal(input)
    }

    private static func readCentral(_ input: SniffInput) -> ZipDirectory? {
        let tailLen = min(input.size, 65_557)
        guard let tail = input.bytes(at: input.size - tailLen, count: tailLen) else { return nil }
        // The end-of-central-directory record is the last "PK\5\6" whose comment fits the file.
        var eocd: Int?
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50 && tail.has([0x50, 0x4B, 0x05, 0x06], at: i) { eocd = i; break }
            i -= 1
        }
        guard let e = eocd, let count16 = tail.u16le(e + 10), let size32 = tail.u32le(e + 12), let off32 = tail.u32le(e + 16) else { return nil }
        var count = Int(count16), cdSize = Int(size32), cdOffset = Int(off32)
        // Zip64: the locator sits 20 bytes before the EOCD and points at the zip64 EOCD record.
        if (count16 == 0xFFFF || size32 == 0xFFFF_FFFF || off32 == 0xFFFF_FFFF), e >= 20, tail.has([0x50, 0x4B, 0x06, 0x07], at: e - 20),
           let z64off = tail.u64le(e - 20 + 8), z64off < UInt64(input.size),
           let rec = input.bytes(at: Int(z64off), count: 56), rec.has([0x50, 0x4B, 0x06, 0x06], at: 0),
           let c = rec.u64le(32), let s = rec.u64le(40), let o = rec.u64le(48) {
            count = Int(clamping: c); cdSize = Int(clamping: s); cdOffset = Int(clamping: o)
        }
        guard cdOffset >= 0, cdSize >= 0, cdOffset <= input.size, cdSize <= input.size - cdOffset,
              cdSize <= maxCentralDirectory, let cd = input.bytes(at: cdOffset, count: cdSize) else { return nil }
        var entries: [Entry] = []
        var p = 0
        while p + 46 <= cd.count, entries.count < maxEntries, cd.has([0x50, 0x4B, 0x01, 0x02], at: p) {
            guard let flags = cd.u16le(p + 8), let method = cd.u16le(p + 10), let csz = cd.u32le(p + 20), let usz = cd.u32le(p + 24),
                  let nlen = cd.u16le(p + 28), let xlen = cd.u16le(p + 30), let clen = cd.u16le(p + 32), let loff = cd.u32le(p + 42) else { break }
            let nameStart = p + 46, extraStart = nameStart + Int(nlen), next = extraStart + Int(xlen) + Int(clen)
            guard next <= cd.count else { break }
            let extra = Array(cd[extraStart..<(extraStart + Int(xlen))])
            var entry = Entry(name: Array(cd[nameStart..<extraStart]), method: method, flags: flags, compressedSize: Int(csz),
                              uncompressedSize: Int(usz), localHeaderOffset: Int(loff), extraField: extra)
            applyZip64(&entry, usz: usz, csz: csz, loff: loff)
            entries.append(entry)
            p = next
        }
        guard !entries.isEmpty || count == 0 else { return nil }
        return ZipDirectory(entries: entries, complete: entries.count == count, declaredCount: count)
    }

    /// Reads zip64 sizes from the extra field (id 0x0001) where the 32-bit fields are saturated.
    private static func applyZip64(_ entry: inout Entry, usz: UInt32, csz: UInt32, loff: UInt32) {
        let x = entry.extraField
        var q = 0
        while q + 4 <= x.count, let id = x.u16le(q), let len = x.u16le(q + 2) {
            let body = q + 4
            if id == 0x0001 {
                var r = body
                if usz == 0xFFFF_FFFF, let v = x.u64le(r) { entry.uncompressedSize = Int(clamping: v); r += 8 }
                if csz == 0xFFFF_FFFF, let v = x.u64le(r) { entry.compressedSize = Int(clamping: v); r += 8 }
                if loff == 0xFFFF_FFFF, let v = x.u64le(r) { entry.localHeaderOffset = Int(clamping: v) }
            }
            q = body + Int(len)
        }
    }

    /// Walks local headers in the head: enough for archives whose first entries matter most.
    private static func readLocal(_ input: SniffInput) -> ZipDirectory? {
        let h = input.head
        var entries: [Entry] = []
        var p = 0
        while p + 30 <= h.count, entries.count < maxEntries, h.has([0x50, 0x4B, 0x03, 0x04], at: p) {
            guard let flags = h.u16le(p + 6), let method = h.u16le(p + 8), let csz = h.u32le(p + 18), let usz = h.u32le(p + 22),
                  let nlen = h.u16le(p + 26), let xlen = h.u16le(p + 28) else { break }
            let nameStart = p + 30, extraStart = nameStart + Int(nlen), dataStart = extraStart + Int(xlen)
            guard dataStart <= h.count else { break }
            var entry = Entry(name: Array(h[nameStart..<extraStart]), method: method, flags: flags, compressedSize: Int(csz),
                              uncompressedSize: Int(usz), localHeaderOffset: p, extraField: Array(h[extraStart..<dataStart]))
            applyZip64(&entry, usz: usz, csz: csz, loff: 0)
            entries.append(entry)
            // With a data descriptor (bit 3) the sizes are unknown here: stop after this entry.
            if flags & 0x8 != 0 || entry.compressedSize == 0 && entry.uncompressedSize != 0 { break }
            // A zip64 size may be anything up to Int.max: past the head (or overflowing), stop.
            guard let next = checkedSum(dataStart, entry.compressedSize), next <= h.count else { break }
            p = next
        }
        guard !entries.isEmpty else { return nil }
        return ZipDirectory(entries: entries, complete: false, declaredCount: entries.count)
    }

    /// Offset of an entry's data, from its local header.
    public func dataOffset(of entry: Entry, in input: SniffInput) -> Int? {
        guard entry.localHeaderOffset >= 0, entry.localHeaderOffset < input.size,
              let lh = input.bytes(at: entry.localHeaderOffset, count: 30), lh.has([0x50, 0x4B, 0x03, 0x04], at: 0),
              let nlen = lh.u16le(26), let xlen = lh.u16le(28) else { return nil }
        let off = entry.localHeaderOffset + 30 + Int(nlen) + Int(xlen)
        return off <= input.size ? off : nil
    }

    /// Up to `limit` bytes of an entry's uncompressed content (stored or deflated entries only).
    public func contentPrefix(of entry: Entry, in input: SniffInput, limit: Int) -> [UInt8]? {
        guard let off = dataOffset(of: entry, in: input) else { return nil }
        let available = input.size - off
        switch entry.method {
        case 0:
            // Sizes may be zero in the local header (data descriptor): then read what is asked for.
            let n = entry.uncompressedSize > 0 ? min(entry.uncompressedSize, limit) : limit
            return input.bytes(at: off, count: min(n, available))
        case 8:
            // Deflate rarely expands data below 1:1000; read a bounded amount of input.
            let inputBudget = min(available, entry.compressedSize > 0 ? entry.compressedSize : available, max(limit, 4096) + 64 * 1024)
            guard let compressed = input.bytes(at: off, count: inputBudget) else { return nil }
            return Inflater.inflatePrefix(compressed, wrapper: .raw, limit: limit)
        default:
            return nil
        }
    }

    /// The first entry whose name satisfies `predicate`.
    public func first(where predicate: (String) -> Bool) -> Entry? {
        entries.first { predicate($0.nameString) }
    }
}
