import MoatBytes

/// Something `WorkTreeWalker` could not walk or chose to skip with a warning. Each is a warning:
/// the walk goes on.
public enum WalkProblem: Hashable, Sendable, CustomStringConvertible {
    /// A path given to the walker that cannot be examined (missing, permission denied).
    case inaccessible(PathBytes, reason: String)
    /// A directory that could not be listed; nothing under it was walked.
    case unreadableDirectory(PathBytes, reason: String)
    /// A FIFO, socket or device: skipped without being opened.
    case notARegularFile(PathBytes, kind: String)
    /// A symlink whose target does not exist (symlinks are never followed in any case).
    case brokenSymlink(PathBytes)
    /// The path is inside a git work tree whose ignore rules could not be read; it was walked
    /// without them.
    case ignoreRulesUnavailable(PathBytes, reason: String)

    public var description: String {
        switch self {
        case let .inaccessible(path, reason): return "\(path): \(reason)"
        case let .unreadableDirectory(path, reason): return "\(path): cannot read directory: \(reason)"
        case let .brokenSymlink(path): return "\(path): broken symlink, skipped"
        case let .notARegularFile(path, kind): return "\(path): \(kind), skipped (not a regular file)"
        case let .ignoreRulesUnavailable(path, reason): return "\(path): .gitignore rules not applied: \(reason)"
        }
    }
}
