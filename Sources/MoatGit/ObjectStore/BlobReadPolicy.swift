import CGit2
import MoatBytes

/// How far a blob is read into memory: whole up to `wholeReadLimit`, otherwise as a sequential
/// source holding at most `streamCap` bytes (format sniffers need the first kilobytes; a 1 GiB
/// weight file must not be inflated whole).
public struct BlobReadPolicy: Hashable, Sendable {
    /// Blobs up to this size are read whole into memory.
    public var wholeReadLimit: Int
    /// The most a stream over a bigger blob keeps in memory.
    public var streamCap: Int

    public init(wholeReadLimit: Int, streamCap: Int = BlobReadPolicy.maxStreamCap) {
        self.wholeReadLimit = wholeReadLimit
        self.streamCap = streamCap
    }

    /// 64 MiB: enough for every sniffer's deepest look (zip central directories at the end of a
    /// checkpoint under it, pickle walks, HDF5 and GGUF metadata), small enough that several workers
    /// each holding one stay well under a gigabyte. Also the largest object the pack-order decoder
    /// inflates whole.
    public static let maxStreamCap = 64 << 20

    /// The pre-commit hook: a few blobs, read once, where latency matters more than memory, so
    /// anything up to 8 MiB (most configs, notebooks, small checkpoints) is read in one call.
    public static let staged = BlobReadPolicy(wholeReadLimit: 8 << 20)

    /// A history sweep: hundreds of thousands of blobs on every core. 1 MiB keeps the pack-order
    /// decoder (which reads only blobs up to this size, whole) and its cache within memory on
    /// every worker, while nearly all source files still decode in pack order.
    public static let history = BlobReadPolicy(wholeReadLimit: 1 << 20)
}

extension GitRepository {
    /// The most a stream over a big blob keeps in memory, unless the caller says otherwise.
    public static let defaultStreamCap = BlobReadPolicy.maxStreamCap

    /// A bounded source over any blob: the one read ladder of staged and history reads.
    ///
    /// 1. `size` up to `policy.wholeReadLimit`: read whole (`MemoryByteSource`);
    /// 2. bigger and loose: moat's own loose reader, streamed (`StreamByteSource`), holding at most
    ///    `policy.streamCap` bytes. Never libgit2's loose stream: it hangs on a truncated object;
    /// 3. bigger and stored whole in a pack: the pack prefix reader (`PackedBlobSource`), same cap;
    /// 4. bigger, and `workTree` offers a file known to hold the same content (staged reads of a
    ///    deltified blob, see `StagedSource.content(of:)`): that file;
    /// 5. otherwise (a deltified entry, a pack this reader cannot use): read whole.
    ///
    /// `size` is the blob's size from its header (`blobSize`). Big sources are sequential
    /// (`isRandomAccess` false): reads past the cap return nil. A streamed source whose data
    /// turns out damaged (inflation failing, the data ending before or running past `size`)
    /// stops there and says why in `readFailure`: check it after reading.
    public func blobSource(_ id: ObjectID, size: Int, policy: BlobReadPolicy,
                           workTree: (() -> ByteSource?)? = nil) throws(GitError) -> ByteSource {
        if size > policy.wholeReadLimit {
            if let loose = streamBlob(id, cap: policy.streamCap) { return loose }
            if let packed = packedBlobSource(id, size: size, cap: policy.streamCap) { return packed }
            if let file = workTree?() { return file }
        }
        return MemoryByteSource(try readBlob(id))
    }

    /// `blobSource(_:size:policy:workTree:)` with the policy's two numbers.
    public func blobSource(_ id: ObjectID, size: Int, wholeReadLimit: Int, cap: Int = defaultStreamCap) throws(GitError) -> ByteSource {
        try blobSource(id, size: size, policy: BlobReadPolicy(wholeReadLimit: wholeReadLimit, streamCap: cap))
    }

    /// A sequential source over loose blob `id` inflated on demand by moat's loose reader, holding
    /// at most `cap` bytes; nil when it is not loose (packed objects are `packedBlobSource`'s).
    public func streamBlob(_ id: ObjectID, cap: Int) -> StreamByteSource? {
        guard let store = packStore() else { return nil }
        return LooseObjectBackend.stream(id, in: store.objectDirectories, cap: cap)
    }

    /// The start of blob `id` read straight from the pack that holds it whole, inflating only what
    /// is read; nil when it is loose, deltified, of another size than `size` (when given), or the
    /// pack is unusable. The repository's packs are listed once and reused; new packs (a repack or
    /// fetch meanwhile) are picked up on a miss.
    public func packedBlobSource(_ id: ObjectID, size: Int? = nil, cap: Int = defaultStreamCap) -> PackedBlobSource? {
        packStore()?.blobSource(id, expectedSize: size, cap: cap)
    }
}
