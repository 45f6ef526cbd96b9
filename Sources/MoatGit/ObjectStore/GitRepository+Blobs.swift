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
}
