#if canImport(Glibc)
import Glibc
#endif
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

    /// The paths in the index, sorted bytewise, read when first needed (only an ignored path asks).
    private lazy var tracked: [[UInt8]] = Self.indexPaths(repository)

    private init(repository: GitRepository, root: PathBytes) {
        self.repository = repository
        self.rootPrefix = root.bytes.last == UInt8(ascii: "/") ? root.bytes : root.bytes + [UInt8(ascii: "/")]
    }

    /// Whether the index holds the work-tree-relative `path`, or, for a folder, a path under it.
    func isTracked(_ path: PathBytes, orHoldsTracked isFolder: Bool) -> Bool {
        let key = isFolder ? path.bytes + [UInt8(ascii: "/")] : path.bytes
        // The first index path not below `key`: the match, or the first one under the folder.
        var low = 0, high = tracked.count
        while low < high {
            let mid = (low + high) / 2
            if tracked[mid].lexicographicallyPrecedes(key) { low = mid + 1 } else { high = mid }
        }
        guard low < tracked.count else { return false }
        return isFolder ? tracked[low].starts(with: key) : tracked[low] == key
    }

    /// Every path in the repository's index (none when it cannot be read: then nothing ignored is walked).
    private static func indexPaths(_ repository: GitRepository) -> [[UInt8]] {
        guard let index = try? repository.index() else { return [] }
        defer { git_index_free(index) }
        var paths: [[UInt8]] = []
        let n = git_index_entrycount(index)
        paths.reserveCapacity(n)
        for i in 0..<n {
            guard let entry = git_index_get_byindex(index, i), let p = entry.pointee.path else { continue }
            paths.append(Array(UnsafeRawBufferPointer(start: p, count: strlen(p))))
        }
        return paths.sorted { $0.lexicographicallyPrecedes($1) }
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
