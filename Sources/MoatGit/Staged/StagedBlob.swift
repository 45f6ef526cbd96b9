import MoatBytes

/// One file as `git commit` would record it now: its path and the blob in the index.
public struct StagedBlob: Hashable, Sendable {
    /// Path relative to the repository root, as the raw bytes git stores.
    public let path: PathBytes
    /// The blob the index holds for this path.
    public let blob: ObjectID
    /// The blob's real size in bytes (from the object header).
    public let size: Int
    /// `.regular` or `.executable`: symlinks and submodules are never staged blobs.
    public let mode: GitFileMode

    public init(path: PathBytes, blob: ObjectID, size: Int, mode: GitFileMode) {
        self.path = path
        self.blob = blob
        self.size = size
        self.mode = mode
    }
}
