/// Big-endian integers of binary formats (git's index, pack and pack-index files), read unaligned.
///
/// One set of readers for every format, inlinable because pack-index lookups sit on the history
/// sweep's hot path. The pointer forms trust the caller's bounds; the array forms check them.
public enum BigEndian {
    @inlinable @inline(__always)
    public static func uint16(_ p: UnsafeRawPointer, at offset: Int) -> UInt16 {
        UInt16(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable @inline(__always)
    public static func uint32(_ p: UnsafeRawPointer, at offset: Int) -> UInt32 {
        UInt32(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable @inline(__always)
    public static func uint64(_ p: UnsafeRawPointer, at offset: Int) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The 4 bytes at `offset` of `bytes`; nil when they are not all there.
    @inlinable
    public static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        return bytes.withUnsafeBytes { uint32($0.baseAddress!, at: offset) }
    }
}
