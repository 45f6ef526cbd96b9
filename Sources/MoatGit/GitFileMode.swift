/// The file modes git records in trees and the index.
public enum GitFileMode: UInt32, Sendable {
    /// A plain file.
    case regular = 0o100644
    /// A file with the executable bit.
    case executable = 0o100755
    /// A symbolic link: the blob holds the target path.
    case symlink = 0o120000
    /// A submodule: the entry names a commit in another repository.
    case gitlink = 0o160000
    /// A directory (trees only, never in the index).
    case tree = 0o040000
}
