import MoatBytes

/// Recognises one artifact format by content.
///
/// A sniffer must be cheap on inputs that are not its format (look at the magic in `input.head`
/// first) and must validate structure before answering `.found`: a magic alone is never a finding.
/// It must never trust a length the content declares beyond `input.size`.
/// To add a format: write one file with a type conforming to `Sniffer`, add it to
/// `SnifferRegistry.all`, and add fixtures and tests for it.
public protocol Sniffer: Sendable {
    /// Stable id of the format family this sniffer handles (used in rule ids: `artifact.<format>`).
    var id: String { get }
    func sniff(_ input: SniffInput) -> SniffResult
}

/// The bytes of one file or blob as a sniffer sees them: a cached head and bounded reads beyond it.
public final class SniffInput {
    /// How many bytes every sniffer can look at without another read.
    public static let headSize = 64 * 1024

    public let path: PathBytes
    /// The real size of the content.
    public let size: Int
    /// The first `min(size, headSize)` bytes (fewer if the source could not deliver them).
    public let head: [UInt8]
    public let source: ByteSource

    private var zipCache: ZipDirectory??

    public init(path: PathBytes, source: ByteSource) {
        self.path = path
        self.source = source
        self.size = source.size
        self.head = source.read(at: 0, count: min(source.size, SniffInput.headSize)) ?? []
    }

    /// Bytes at `offset`, clamped to the real size; served from the head when possible.
    public func bytes(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size else { return nil }
        let n = min(count, size - offset)
        if offset + n <= head.count { return Array(head[offset..<(offset + n)]) }
        return source.read(at: offset, count: n)
    }

    /// The first `count` bytes (clamped to the real size).
    public func prefix(_ count: Int) -> [UInt8]? {
        if count <= head.count { return Array(head.prefix(count)) }
        // Read only what lies past the head: the head was read already.
        guard head.count == min(size, SniffInput.headSize), let rest = source.read(at: head.count, count: min(count, size) - head.count) else {
            return bytes(at: 0, count: count)
        }
        return head + rest
    }

    /// The zip directory when the content is a zip archive (parsed once, shared by zip-based sniffers).
    public var zip: ZipDirectory? {
        if let cached = zipCache { return cached }
        let z = ZipDirectory.read(self)
        zipCache = .some(z)
        return z
    }

    /// Lower-cased file name, for name hints.
    public var lowercasedName: String { String(decoding: PathBytes(path.fileName).lowercased, as: UTF8.self) }
    /// Lower-cased whole path.
    public var lowercasedPath: String { String(decoding: path.lowercased, as: UTF8.self) }
}
