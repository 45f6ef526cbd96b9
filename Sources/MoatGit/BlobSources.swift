import CGit2
import MoatBytes

extension GitRepository {
    /// The most a stream over a big blob keeps in memory, unless the caller says otherwise.
    public static let defaultStreamCap = 64 << 20

    /// A bounded source over any blob, for a history sweep (one repository per worker thread):
    ///
    /// 1. `size` up to `wholeReadLimit`: read whole (`MemoryByteSource`);
    /// 2. bigger and loose: libgit2's stream (`StreamByteSource`), holding at most `cap` bytes;
    /// 3. bigger and stored whole in a pack: the pack prefix reader (`PackedBlobSource`), same cap;
    /// 4. otherwise (a deltified entry, a pack this reader cannot use): read whole.
    ///
    /// `size` is the blob's size from its header (`blobSize`). Big sources are sequential
    /// (`isRandomAccess` false): reads past `cap` return nil.
    public func blobSource(_ id: ObjectID, size: Int, wholeReadLimit: Int, cap: Int = defaultStreamCap) throws(GitError) -> ByteSource {
        if size > wholeReadLimit {
            if let stream = streamBlob(id, cap: cap) { return stream }
            if let packed = packedBlobSource(id, size: size, cap: cap) { return packed }
        }
        return MemoryByteSource(try readBlob(id))
    }

    /// The start of blob `id` read straight from the pack that holds it whole, inflating only what
    /// is read; nil when it is loose, deltified, of another size than `size` (when given), or the
    /// pack is unusable. The repository's packs are listed once and reused; new packs (a repack or
    /// fetch meanwhile) are picked up on a miss.
    public func packedBlobSource(_ id: ObjectID, size: Int? = nil, cap: Int = defaultStreamCap) -> PackedBlobSource? {
        packReader()?.blobSource(id, expectedSize: size, cap: cap)
    }

    /// The pack reader for this repository's objects directory, created on first use.
    func packReader() -> PackedObjectReader? {
        if let cachedPackReader { return cachedPackReader }
        var buf = git_buf()
        defer { git_buf_dispose(&buf) }
        guard git_repository_item_path(&buf, pointer, GIT_REPOSITORY_ITEM_OBJECTS) == 0, let p = buf.ptr else { return nil }
        let reader = PackedObjectReader(objectsDirectory: PathBytes(cString: p).withoutTrailingSlash)
        cachedPackReader = reader
        return reader
    }
}
