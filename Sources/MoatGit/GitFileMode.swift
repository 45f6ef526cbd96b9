/// The file modes git records in trees and the index.
public enum GitFileMode: UInt32, Sendable {
    case regular = 0o100644
    case executable = 0o100755
    case symlink = 0o120000
    /// A submodule: the entry names a commit in another repository.
    case gitlink = 0o160000
    case tree = 0o040000
}
