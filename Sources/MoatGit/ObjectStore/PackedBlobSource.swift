import MoatBytes

/// The start of a blob stored whole in a pack, inflated on demand: a sequential source that keeps
/// at most `cap` bytes (reads beyond the cap return nil), copying compressed input from the mapped
/// pack in 64 KiB steps. One zlib stream lives across reads, so growing the prefix step by step
/// inflates each byte once.
///
/// libgit2 1.5 cannot stream packed objects (`git_odb_open_rstream` fails on them) and reading a
/// 1 GiB packed blob whole takes seconds and twice its size in memory; format sniffers need only
/// the first kilobytes. Only whole ("undeltified") entries are served: git never deltifies blobs
/// over `core.bigFileThreshold` (512 MiB by default), so the biggest files are always whole.
///
/// A stream that fails to inflate, ends before the size its header declares, or runs past it
/// stops there and sets `readFailure`.
public final class PackedBlobSource: ByteSource {
    /// The blob's real size, from the pack entry header.
    public let size: Int
    public var isRandomAccess: Bool { false }
    /// Inflated bytes produced (and held) so far.
    public var bytesRead: Int { stream.bytesRead }
    /// Compressed bytes read from the pack file so far.
    public var compressedBytesRead: Int { inflater.compressedBytesRead }
    public var readFailure: String? { stream.readFailure }

    private let stream: StreamByteSource
    private let inflater: InflateStream

    static let inputChunk = 64 << 10

    /// nil when the entry's data is not a valid zlib stream (its first bytes do not inflate).
    init?(file: PackFile, entry: PackEntry, cap: Int) {
        var cursor = entry.dataOffset
        let limit = file.entriesEnd
        guard let inflater = InflateStream(wrapper: .zlib, inputChunk: Self.inputChunk, refill: { buffer in
            let n = file.copy(into: buffer, at: cursor, limit: limit)
            if n > 0 { cursor += n }
            return n
        }) else { return nil }
        self.size = entry.size
        self.inflater = inflater
        self.stream = StreamByteSource(size: entry.size, cap: cap, stream: inflater.pull(declaredSize: entry.size))
        let probe = min(entry.size, 1)
        guard probe == 0 || stream.read(at: 0, count: probe)?.count == probe else { return nil }
    }

    public func read(at offset: Int, count: Int) -> [UInt8]? { stream.read(at: offset, count: count) }
}
