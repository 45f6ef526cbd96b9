/// A 128-bit FNV-1a style hash for cache file names: stable across runs and machines (Swift's
/// `Hasher` is seeded per process). Not cryptographic; the cache stores its full key and compares it.
struct StableHash {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x6c62_272e_07bb_0142

    mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b << 7) | (b >> 57)
        }
    }

    /// 32 lower-case hex digits.
    var hex: String {
        func h(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return h(a) + h(b)
    }
}

/// Little helpers to build and read the flat binary layouts of cache files.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func blob<C: Collection>(_ data: C) where C.Element == UInt8 { u64(UInt64(data.count)); bytes += data }
    mutating func string(_ s: String) { blob(Array(s.utf8)) }
}

struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func u32() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }
    mutating func u64() -> UInt64? {
        guard position + 8 <= bytes.count else { return nil }
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }
    mutating func blob() -> UnsafeRawBufferPointer? {
        guard let n = u64(), n <= UInt64(bytes.count - position) else { return nil }
        defer { position += Int(n) }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + Int(n)])
    }
}
