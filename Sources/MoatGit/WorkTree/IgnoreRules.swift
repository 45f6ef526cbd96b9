import CGit2
import MoatBytes

/// The .gitignore rules of the work tree containing a path, asked through libgit2.
final class IgnoreRules {
    private let repository: GitRepository
    /// The canonical work tree root, with a trailing slash.
    private let rootPrefix: [UInt8]

    /// The rules for the work tree containing `absolutePath` (an existing file or directory), or nil
    /// when it is in no work tree (or in a bare repository). Throws when a repository is there but
    /// cannot be opened.
    static func containing(_ absolutePath: PathBytes) throws(GitError) -> IgnoreRules? {
        let repository: GitRepository
        do {
            repository = try GitRepository.open(at: absolutePath, fromEnvironment: false)
        } catch where error.message.hasPrefix("not a git repository") {
            return nil
        }
        guard let root = repository.workdir?.resolved else { return nil }
        return IgnoreRules(repository: repository, root: root)
    }

    private init(repository: GitRepository, root: PathBytes) {
        self.repository = repository
        self.rootPrefix = root.bytes.last == UInt8(ascii: "/") ? root.bytes : root.bytes + [UInt8(ascii: "/")]
    }

    /// `canonical` (absolute, symlinks resolved) relative to the work tree root; nil when outside it.
    func relative(_ canonical: PathBytes) -> PathBytes? {
        if canonical.bytes + [UInt8(ascii: "/")] == rootPrefix { return PathBytes([]) }
        guard canonical.bytes.starts(with: rootPrefix) else { return nil }
        return PathBytes(Array(canonical.bytes.dropFirst(rootPrefix.count)))
    }

    /// Whether git ignores the work-tree-relative `path`; for a directory this covers everything in it.
    /// libgit2 also applies the rules of the parent directories. Errors count as "not ignored".
    func isIgnored(_ path: PathBytes) -> Bool {
        guard !path.bytes.isEmpty else { return false }
        var ignored: Int32 = 0
        return git_ignore_path_is_ignored(&ignored, repository.pointer, path.cString) == 0 && ignored != 0
    }
}
