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
    /// Why the data turned out unreadable while it was read: a compressed stream that failed
    /// halfway, or ended before or ran past the size declared for it. nil while every read so far
    /// was sound. Reads stop at the damage; a caller that read a source checks this afterwards to
    /// count the object as unreadable rather than take the truncated bytes as all there is.
    var readFailure: String? { get }
    /// Hands every byte, from the first to `size`, to `visit` in order, in pieces, without keeping
    /// more than the source already keeps (`--verify-objects` hashes whole blobs this way);
    /// returns why the data could not be read to its end, or nil. Reads within what the source
    /// keeps still work afterwards.
    func drain(_ visit: (ArraySlice<UInt8>) -> Void) -> String?
}

extension ByteSource {
    /// Sources over bytes that cannot turn out damaged (memory, a plain file) never fail.
    public var readFailure: String? { nil }

    /// Random-access sources: read in 1 MiB pieces.
    public func drain(_ visit: (ArraySlice<UInt8>) -> Void) -> String? {
        var offset = 0
        while offset < size {
            guard let piece = read(at: offset, count: min(1 << 20, size - offset)), !piece.isEmpty else {
                return readFailure ?? "could not be read past byte \(offset) of \(size)"
            }
            visit(piece[...])
            offset += piece.count
        }
        return readFailure
    }
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

/// What a stream's `pull` reports after appending what it could.
public enum StreamPull: Sendable {
    /// More may come.
    case more
    /// The data ended cleanly.
    case end
    /// The data is damaged (the reason, one line); nothing more will come.
    case failed(String)
}

/// A sequential stream (a loose git object being inflated, a pipe): keeps what it has read, up to
/// `cap` bytes, so earlier ranges can be re-read and later ones are pulled on demand. A stream
/// that ends before `size` bytes, or whose `pull` fails, sets `readFailure`.
public final class StreamByteSource: ByteSource {
    public let size: Int
    public let cap: Int
    private var buffer: [UInt8] = []
    private var finished = false
    /// Whether a pull gave more than asked and bytes past `cap` were dropped (then `drain` cannot
    /// see every byte).
    private var dropped = false
    private let pull: (inout [UInt8], Int) -> StreamPull
    public var isRandomAccess: Bool { false }
    public var bytesRead: Int { buffer.count }
    public private(set) var readFailure: String?

    /// - Parameters:
    ///   - size: the real size of the data.
    ///   - cap: the most bytes this source will ever hold in memory.
    ///   - pull: appends up to the given number of bytes to the buffer; returns false at the end or on error.
    public convenience init(size: Int, cap: Int, pull: @escaping (inout [UInt8], Int) -> Bool) {
        self.init(size: size, cap: cap, stream: { buffer, wanted in pull(&buffer, wanted) ? .more : .end })
    }

    /// - Parameters:
    ///   - size: the real size of the data (the stream is damaged if it ends before it).
    ///   - cap: the most bytes this source will ever hold in memory.
    ///   - stream: appends up to the given number of bytes to the buffer and says whether more may come.
    public init(size: Int, cap: Int, stream: @escaping (inout [UInt8], Int) -> StreamPull) {
        self.size = size
        self.cap = cap
        self.pull = stream
    }

    public func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size else { return nil }
        // `count` may be anything up to Int.max (read the rest): never add it to the offset unchecked.
        let want = count >= size - offset ? size : offset + count
        guard want <= cap else { return nil }
        while buffer.count < want && !finished {
            let before = buffer.count
            // Never ask past `cap`: bytes pulled and dropped could not be drained later.
            let result = pull(&buffer, min(max(want - buffer.count, 64 * 1024), cap - buffer.count))
            if buffer.count > cap { buffer.removeLast(buffer.count - cap); dropped = true }
            switch result {
            case .more: if buffer.count == before { finish(nil) }
            case .end: finish(nil)
            case .failed(let why): finish(why)
            }
        }
        let end = min(want, buffer.count)
        guard offset <= end else { return nil }
        return Array(buffer[offset..<end])
    }

    /// What the stream keeps (up to `cap`) is visited from the buffer; the rest is pulled through
    /// a scratch buffer and dropped, so draining a 5 GB blob holds `cap` bytes at most.
    public func drain(_ visit: (ArraySlice<UInt8>) -> Void) -> String? {
        let kept = read(at: 0, count: min(size, cap)) ?? []
        visit(kept[...])
        var total = kept.count
        if let readFailure { return readFailure }
        guard total < size else { return nil }
        guard !dropped else { return "the stream gave more than asked, so it cannot be read to its end again" }
        guard !finished else { return "the data ended after \(total) of \(size) bytes" }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(1 << 20)
        while true {
            scratch.removeAll(keepingCapacity: true)
            let result = pull(&scratch, min(1 << 20, max(1, size - total)))
            let (sum, overflow) = total.addingReportingOverflow(scratch.count)
            if overflow || sum > size { return "the data runs past its declared \(size) bytes" }
            total = sum
            visit(scratch[...])
            switch result {
            case .more: if scratch.isEmpty { return total == size ? nil : "the data ended after \(total) of \(size) bytes" }
            case .end: return total == size ? nil : "the data ended after \(total) of \(size) bytes"
            case .failed(let why): return why
            }
        }
    }

    private func finish(_ failure: String?) {
        finished = true
        if let failure {
            readFailure = failure
        } else if buffer.count < min(size, cap) {
            readFailure = "the data ended after \(buffer.count) of \(size) bytes"
        }
    }
}
