/// Random or sequential access to the bytes of one file or blob, bounded by its real size.
///
/// Detectors never trust a length the content declares: every read goes through `read(at:count:)`,
/// which clamps to `size`, the size the file system or object database reported.
public protocol ByteSource: AnyObject {
    /// The real size in bytes.
    var size: Int { get }
    /// Reads up to `count` bytes at `offset`. Returns fewer bytes only at the end of the data, and
    /// `nil` when the range cannot be reached (an I/O error, or past what a stream may buffer).
    func read(at offset: Int, count: Int) -> [UInt8]?
    /// Whether reads far from the start are cheap (a file on disk, a blob in memory).
    var isRandomAccess: Bool { get }
    /// Bytes actually read from the underlying store so far, for statistics.
    var bytesRead: Int { get }
}

/// Bytes already in memory (a git blob, a test buffer).
public final class MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public private(set) var bytesRead = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var size: Int { bytes.count }
    public var isRandomAccess: Bool { true }
    public func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= bytes.count else { return nil }
        let end = offset + min(count, bytes.count - offset)
        bytesRead += end - offset
        return Array(bytes[offset..<end])
    }
}

/// A sequential stream (a loose git object being inflated, a pipe): keeps what it has read, up to
/// `cap` bytes, so earlier ranges can be re-read and later ones are pulled on demand.
public final class StreamByteSource: ByteSource {
    public let size: Int
    public let cap: Int
    private var buffer: [UInt8] = []
    private var finished = false
    private let pull: (inout [UInt8], Int) -> Bool
    public var isRandomAccess: Bool { false }
    public var bytesRead: Int { buffer.count }

    /// - Parameters:
    ///   - size: the real size of the data.
    ///   - cap: the most bytes this source will ever hold in memory.
    ///   - pull: appends up to the given number of bytes to the buffer; returns false at the end or on error.
    public init(size: Int, cap: Int, pull: @escaping (inout [UInt8], Int) -> Bool) {
        self.size = size
        self.cap = cap
        self.pull = pull
    }

    public func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size else { return nil }
        // `count` may be anything up to Int.max (read the rest): never add it to the offset unchecked.
        let want = count >= size - offset ? size : offset + count
        guard want <= cap else { return nil }
        while buffer.count < want && !finished {
            let before = buffer.count
            if !pull(&buffer, max(want - buffer.count, 64 * 1024)) || buffer.count == before { finished = true }
            if buffer.count > cap { buffer.removeLast(buffer.count - cap) }
        }
        let end = min(want, buffer.count)
        guard offset <= end else { return nil }
        return Array(buffer[offset..<end])
    }
}
