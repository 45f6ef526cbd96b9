import CGit2
import MoatBytes

extension GitRepository {
    /// The size of a blob from its object header, without inflating its content (microseconds,
    /// even for a packed gigabyte blob). Throws if the object is missing or not a blob.
    public func blobSize(_ id: ObjectID) throws(GitError) -> Int {
        let odb = try odb()
        var size = 0
        var type = GIT_OBJECT_INVALID
        var oid = id.oid
        try GitError.check(git_odb_read_header(&size, &type, odb, &oid), "cannot read object \(id)")
        guard type == GIT_OBJECT_BLOB else { throw GitError(message: "object \(id) is not a blob") }
        return size
    }

    /// The whole content of a blob, copied once out of the object database.
    public func readBlob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        let odb = try odb()
        var object: OpaquePointer?
        var oid = id.oid
        try GitError.check(git_odb_read(&object, odb, &oid), "cannot read blob \(id)")
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        guard size > 0, let data = git_odb_object_data(object) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }

    /// A sequential source over a blob inflated on demand, holding at most `cap` bytes; nil when
    /// the object cannot be streamed. libgit2 1.5 streams only loose objects: packed ones return nil.
    public func streamBlob(_ id: ObjectID, cap: Int) -> StreamByteSource? {
        guard let odb = try? odb() else { return nil }
        var stream: UnsafeMutablePointer<git_odb_stream>?
        var size = 0
        var type = GIT_OBJECT_INVALID
        var oid = id.oid
        guard git_odb_open_rstream(&stream, &size, &type, odb, &oid) == 0, let stream else { return nil }
        let handle = ObjectStream(stream, owner: self)
        guard type == GIT_OBJECT_BLOB else { return nil }
        return StreamByteSource(size: size, cap: cap) { buffer, wanted in handle.read(into: &buffer, upTo: wanted) }
    }
}

/// Owns a libgit2 read stream (and keeps its repository alive) for as long as a `StreamByteSource`
/// pulls from it.
private final class ObjectStream {
    private let stream: UnsafeMutablePointer<git_odb_stream>
    private let owner: GitRepository

    init(_ stream: UnsafeMutablePointer<git_odb_stream>, owner: GitRepository) {
        self.stream = stream
        self.owner = owner
    }

    deinit { git_odb_stream_free(stream) }

    /// Appends up to `wanted` bytes (at most 1 MiB per call); false at the end or on error.
    func read(into buffer: inout [UInt8], upTo wanted: Int) -> Bool {
        let chunk = min(max(wanted, 1), 1 << 20)
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let got = buffer.withUnsafeMutableBufferPointer { all in
            UnsafeMutableRawPointer(all.baseAddress! + start).withMemoryRebound(to: CChar.self, capacity: chunk) {
                git_odb_stream_read(stream, $0, chunk)
            }
        }
        buffer.removeLast(chunk - max(Int(got), 0))
        return got > 0
    }
}
