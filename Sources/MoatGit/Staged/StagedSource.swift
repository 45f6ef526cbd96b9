#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGit2
import MoatBytes

/// The blobs the next `git commit` would record: the difference between HEAD's tree (nothing when
/// the branch has no commits yet) and the index.
///
/// Added, modified, copied, renamed and type-changed entries are listed; deletions and intents to
/// add (`git add -N`) are not. There
/// is no rename detection: a rename is listed under its new path. Submodules and symlinks are
/// counted but never read (a symlink's target is not followed).
public final class StagedSource {
    /// The repository the blobs come from.
    public let repository: GitRepository
    /// Staged regular and executable files, in index (path) order.
    public let blobs: [StagedBlob]
    /// Staged submodule entries (gitlinks) that were skipped.
    public let skippedSubmodules: Int
    /// Staged symlinks that were skipped.
    public let skippedSymlinks: Int

    /// Blobs up to this size are read whole into memory (`BlobReadPolicy.staged`).
    public static var wholeReadLimit: Int { BlobReadPolicy.staged.wholeReadLimit }
    /// The most a stream over a bigger blob keeps in memory (`BlobReadPolicy.staged`).
    public static var streamCap: Int { BlobReadPolicy.staged.streamCap }

    /// The index file the blobs come from, and each blob's cached stat data (for `workTreeFile`).
    private let indexPath: PathBytes?
    private let stats: [IndexStat]
    private lazy var statsByPath: [PathBytes: (ObjectID, IndexStat)] = {
        var map: [PathBytes: (ObjectID, IndexStat)] = [:]
        for (blob, stat) in zip(blobs, stats) { map[blob.path] = (blob.blob, stat) }
        return map
    }()

    /// Computes the staged changes of `repository` (open it with `fromEnvironment: true` in hooks).
    ///
    /// The index file is read directly and HEAD's tree is walked only where the index's cache-tree
    /// does not vouch for a directory (`StagedDiff.fastChanges`); libgit2's diff is the fallback.
    public init(repository: GitRepository) throws(GitError) {
        self.repository = repository
        let tree = try repository.headTree()
        defer { git_object_free(tree) }
        var indexPath = StagedDiff.indexPath(of: repository)
        var changes: [StagedChange]?
        if let indexPath, let file = IndexFile.read(at: indexPath) {
            changes = StagedDiff.fastChanges(repository: repository, headTree: tree, index: file)
        }
        if changes == nil { (changes, indexPath) = try StagedDiff.libgit2Changes(repository: repository, headTree: tree) }

        var blobs: [StagedBlob] = []
        var stats: [IndexStat] = []
        var submodules = 0, symlinks = 0
        for change in changes ?? [] {
            switch change.mode {
            case .gitlink: submodules += 1
            case .symlink: symlinks += 1
            case .regular, .executable:
                blobs.append(StagedBlob(path: change.path, blob: change.id, size: try repository.blobSize(change.id), mode: change.mode))
                stats.append(change.stat)
            case .tree: continue
            }
        }
        self.blobs = blobs
        self.skippedSubmodules = submodules
        self.skippedSymlinks = symlinks
        self.indexPath = indexPath
        self.stats = stats
    }

    /// The work tree root staged paths are relative to (the git directory for a bare repository).
    public var root: PathBytes { repository.workdir ?? repository.gitDir }

    /// The content of a staged blob, without holding a huge blob whole in memory where avoidable:
    /// the read ladder of `GitRepository.blobSource(_:size:policy:workTree:)` with
    /// `BlobReadPolicy.staged`. A big blob deltified in a pack (libgit2 cannot stream packed
    /// objects) is read from the work-tree file instead, but only when the index entry still
    /// describes it, i.e. the file's size equals both the blob's size and the size in the index,
    /// its mtime equals the one in the index, and that mtime is older than the index file (git's
    /// "racy" rule, so a same-second edit is not trusted). This is the check `git status` relies
    /// on; a clean/smudge filter that keeps the size identical would defeat it, which no common
    /// filter does (LFS pointers are small, CRLF changes the size).
    ///
    /// A streamed source reports damage found while reading in `readFailure`.
    public func content(of blob: StagedBlob) throws(GitError) -> ByteSource {
        try repository.blobSource(blob.blob, size: blob.size, policy: .staged) { self.workTreeFile(matching: blob) }
    }

    /// The work-tree file for `blob` when the index vouches that it still holds the staged content.
    private func workTreeFile(matching blob: StagedBlob) -> FileByteSource? {
        guard let root = repository.workdir, let indexPath, let (id, entry) = statsByPath[blob.path], id == blob.blob else { return nil }
        let path = root.appending(blob.path.bytes)
        var file = stat(), indexFile = stat()
        guard lstat(path.cString, &file) == 0, (file.st_mode & S_IFMT) == S_IFREG, stat(indexPath.cString, &indexFile) == 0,
              Int(file.st_size) == blob.size, entry.fileSize == UInt32(truncatingIfNeeded: file.st_size),
              entry.mtimeSeconds == UInt32(truncatingIfNeeded: file.st_mtim.tv_sec),
              entry.mtimeNanoseconds == 0 || entry.mtimeNanoseconds == UInt32(file.st_mtim.tv_nsec),
              (file.st_mtim.tv_sec, file.st_mtim.tv_nsec) < (indexFile.st_mtim.tv_sec, indexFile.st_mtim.tv_nsec)
        else { return nil }
        guard let source = try? FileByteSource(path: path), source.size == blob.size else { return nil }
        return source
    }
}
