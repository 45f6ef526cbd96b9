import MoatBytes

/// The first bytes of a member inside an archive, standing for the whole member: `size` is the
/// member's declared size, and reads past the bytes held fail (nil) instead of looking like its end,
/// so a sniffer sees a cut file, never a shorter one.
final class PrefixByteSource: ByteSource {
    let bytes: [UInt8]
    let size: Int
    private(set) var bytesRead = 0
    var isRandomAccess: Bool { true }

    init(_ bytes: [UInt8], size: Int) {
        self.bytes = bytes
        self.size = max(size, bytes.count)
    }

    func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size else { return nil }
        let want = min(count, size - offset)
        guard want <= bytes.count - min(offset, bytes.count), offset <= bytes.count else { return nil }
        bytesRead += want
        return Array(bytes[offset..<(offset + want)])
    }
}
