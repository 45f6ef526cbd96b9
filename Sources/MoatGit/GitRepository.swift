#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGit2
import MoatBytes

/// An open git repository. libgit2 handles belong to one thread at a time: this class is not
/// `Sendable`; give each thread its own.
public final class GitRepository {
    let pointer: OpaquePointer
    private var cachedOdb: OpaquePointer?
    /// The repository's packs (`PackStore`), listed when the object database is opened.
    private var cachedPackStore: PackStore?
    /// `GIT_INDEX_FILE` as given when the repository was opened from the environment (absolute).
    /// libgit2 would load and checksum it during open (~10 ms on a 10k-file index); it is loaded
    /// only if something asks for libgit2's index (`index()`).
    private(set) var indexFileOverride: PathBytes?
    private var indexOverrideApplied = false
    /// Object directories besides the repository's own that git named in the environment
    /// (`GIT_OBJECT_DIRECTORY`, `GIT_ALTERNATE_OBJECT_DIRECTORIES`; see `ObjectDirectories`): in a
    /// pre-receive hook, the quarantine holding the pushed objects. moat's own readers (packs,
    /// loose objects) and the handles of other threads (`HistorySource.readBlobs`) search them too.
    public private(set) var extraObjectDirectories: [PathBytes] = []
    /// Whether libgit2 already searches `extraObjectDirectories` (opened from the environment).
    private var odbHasExtraDirectories = false

    private init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit {
        if let cachedOdb { git_odb_free(cachedOdb) }
        git_repository_free(pointer)
    }

    /// Opens the repository the way git finds it.
    ///
    /// - With `fromEnvironment`, `path` is ignored and the search starts from the current directory
    ///   while honouring `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE`, `GIT_OBJECT_DIRECTORY`,
    ///   `GIT_ALTERNATE_OBJECT_DIRECTORIES` and `GIT_CEILING_DIRECTORIES`. Hooks must use this:
    ///   `git commit -a` and `git commit <path>` hand the hook a temporary index in `GIT_INDEX_FILE`.
    ///   (`moat staged -C DIR` changes directory first, like `git -C`.)
    /// - Otherwise the search starts at `path` (default ".") and walks up through parent directories.
    ///
    /// Works from a subdirectory, in linked worktrees and in repositories without commits.
    public static func open(at path: String?, fromEnvironment: Bool) throws(GitError) -> GitRepository {
        try open(at: PathBytes(path ?? "."), fromEnvironment: fromEnvironment)
    }

    /// `open(at:fromEnvironment:)` for a path that may not be UTF-8.
    ///
    /// `objectDirectories` are searched for objects too (a handle for another thread of a scan
    /// that was opened from the environment: reopening from the environment would change the process
    /// environment while other threads read it).
    static func open(at start: PathBytes, fromEnvironment: Bool, objectDirectories: [PathBytes] = []) throws(GitError) -> GitRepository {
        GitLibrary.initialize()
        var raw: OpaquePointer?
        var rc: Int32
        var failure: GitError?
        var overrideIndex: PathBytes?
        var extraDirectories = objectDirectories
        if fromEnvironment {
            // libgit2 1.5 refuses GIT_WORK_TREE under OPEN_FROM_ENV ("unimplemented"): hide it for the
            // call and apply it afterwards. The environment is restored before returning.
            let workTree = getenv("GIT_WORK_TREE").map { PathBytes(cString: $0) }
            if workTree != nil { unsetenv("GIT_WORK_TREE") }
            // GIT_INDEX_FILE is hidden too and applied lazily (see `indexFileOverride`).
            let indexFile = getenv("GIT_INDEX_FILE").map { PathBytes(cString: $0) }
            if indexFile != nil { unsetenv("GIT_INDEX_FILE") }
            rc = git_repository_open_ext(&raw, nil, GIT_REPOSITORY_OPEN_FROM_ENV.rawValue, nil)
            if rc < 0 { failure = GitError.last(rc, "cannot open repository") }
            if let workTree { setenv("GIT_WORK_TREE", workTree.cString, 1) }
            if let indexFile { setenv("GIT_INDEX_FILE", indexFile.cString, 1) }
            overrideIndex = indexFile.map { $0.absolute }
            extraDirectories = ObjectDirectories.fromEnvironment()
            if rc == 0, let raw, let workTree {
                rc = git_repository_set_workdir(raw, workTree.cString, 0)
                if rc < 0 { failure = GitError.last(rc, "cannot use GIT_WORK_TREE '\(workTree)'"); git_repository_free(raw) }
            }
        } else {
            rc = git_repository_open_ext(&raw, start.cString, 0, nil)
            if rc < 0 { failure = GitError.last(rc, "cannot open repository") }
        }
        if let fail = failure, isOwnershipRefusal(fail) {
            // libgit2 1.5 knows only exact safe.directory paths; git also trusts `*` and `dir/*`.
            let searched = fromEnvironment ? (getenv("GIT_DIR").map { PathBytes(cString: $0) } ?? PathBytes(".")) : start
            if SafeDirectory.trusts(repositoryAt(searched)) {
                _ = cgit2_set_owner_validation(0)
                defer { _ = cgit2_set_owner_validation(1) }
                failure = nil
                rc = git_repository_open_ext(&raw, fromEnvironment ? nil : start.cString, fromEnvironment ? GIT_REPOSITORY_OPEN_FROM_ENV.rawValue : 0, nil)
                if rc < 0 { failure = GitError.last(rc, "cannot open repository") }
            }
        }
        if let failure {
            let searched = fromEnvironment ? (getenv("GIT_DIR").map { PathBytes(cString: $0) } ?? PathBytes(".")) : start
            throw explain(failure, searchedFrom: searched)
        }
        let repository = GitRepository(raw!)
        repository.indexFileOverride = overrideIndex
        repository.extraObjectDirectories = extraDirectories
        repository.odbHasExtraDirectories = fromEnvironment
        _ = try? repository.odb()  // before any object is read
        return repository
    }

    /// Whether libgit2 refused the repository for its owner (git's "dubious ownership").
    private static func isOwnershipRefusal(_ error: GitError) -> Bool {
        error.code == GIT_EOWNER.rawValue || error.message.contains("safe.directory") || error.message.contains("not owned by")
    }

    /// The work tree (or bare git directory) found from `start`, the way git names it in messages.
    private static func repositoryAt(_ start: PathBytes) -> PathBytes {
        var found = git_buf()
        defer { git_buf_dispose(&found) }
        var location = start.resolved ?? start.absolute
        if git_repository_discover(&found, start.cString, 0, nil) == 0, let p = found.ptr {
            location = PathBytes(cString: p).withoutTrailingSlash
            if location.fileName == Array(".git".utf8) { location = PathBytes(location.bytes.dropLast(5)).withoutTrailingSlash }
        }
        return location
    }

    /// Rewrites libgit2's open failures the way git words them.
    private static func explain(_ error: GitError, searchedFrom start: PathBytes) -> GitError {
        if isOwnershipRefusal(error) {
            let location = repositoryAt(start)
            return GitError(code: error.code, message: "detected dubious ownership in repository at '\(location)'; to allow it: git config --global --add safe.directory \(location)")
        }
        if error.code == GIT_ENOTFOUND.rawValue {
            let shown = (start.resolved ?? start.absolute).withoutTrailingSlash
            return GitError(code: error.code, message: "not a git repository (or any of the parent directories): \(shown)")
        }
        return error
    }

    /// The work tree root, without a trailing slash; nil for a bare repository.
    public var workdir: PathBytes? { git_repository_workdir(pointer).map { PathBytes(cString: $0).withoutTrailingSlash } }

    /// The repository's git directory (for a linked worktree, its private one under `.git/worktrees/`).
    public var gitDir: PathBytes { PathBytes(cString: git_repository_path(pointer)).withoutTrailingSlash }

    /// The directory shared by all worktrees (`.git` of the main work tree); equals `gitDir` outside
    /// linked worktrees. Hooks and config live here.
    public var commonDir: PathBytes { PathBytes(cString: git_repository_commondir(pointer)).withoutTrailingSlash }

    /// Whether the repository has no work tree.
    public var isBare: Bool { git_repository_is_bare(pointer) != 0 }

    /// The object database, with moat's loose-object reader in front of libgit2's (see
    /// `LooseObjectBackend`) and, when a pack's index is corrupt, a fence before the packs
    /// (`DamagedPackGuard`): every object read goes through them, so they are set up once, here,
    /// after the packs are listed and checked and before libgit2 reads anything.
    func odb() throws(GitError) -> OpaquePointer {
        if let cachedOdb { return cachedOdb }
        var odb: OpaquePointer?
        try GitError.check(git_repository_odb(&odb, pointer), "cannot open the object database")
        var buf = git_buf()
        defer { git_buf_dispose(&buf) }
        if git_repository_item_path(&buf, pointer, GIT_REPOSITORY_ITEM_OBJECTS) == 0, let p = buf.ptr {
            let own = PathBytes(cString: p).withoutTrailingSlash
            let others = ObjectDirectories.excluding(own, from: extraObjectDirectories)
            if !odbHasExtraDirectories {
                for dir in others {
                    // One that cannot be added leaves its objects missing, and they are counted.
                    _ = git_odb_add_disk_alternate(odb, dir.cString)
                }
            }
            let store = PackStore(objectDirectories: ObjectDirectories.merge(others, withOwn: own))
            cachedPackStore = store
            if !store.packs.isEmpty || !store.damaged.isEmpty || !store.unreadableIndexes.isEmpty {
                DamagedPackGuard.install(on: odb!, packs: store.damaged, unreadableIndexes: store.unreadableIndexes, store: store)
            }
            _ = LooseObjectBackend.install(on: odb!, objectsDirectory: p)
            for dir in others {
                _ = dir.cString.withUnsafeBufferPointer { LooseObjectBackend.install(on: odb!, objectsDirectory: $0.baseAddress!) }
            }
        }
        cachedOdb = odb
        return odb!
    }

    /// The repository's packs, listed when the object database was opened; nil when it has no
    /// objects directory.
    func packStore() -> PackStore? {
        if cachedPackStore == nil { _ = try? odb() }
        return cachedPackStore
    }

    /// The index `git commit` would use (the one named by `GIT_INDEX_FILE` when opened from the
    /// environment). The caller frees it with `git_index_free`.
    func index() throws(GitError) -> OpaquePointer {
        if let file = indexFileOverride, !indexOverrideApplied {
            var custom: OpaquePointer?
            try GitError.check(git_index_open(&custom, file.cString), "cannot read the index \(file)")
            git_repository_set_index(pointer, custom)
            git_index_free(custom)
            indexOverrideApplied = true
        }
        var index: OpaquePointer?
        try GitError.check(git_repository_index(&index, pointer), "cannot read the index")
        return index!
    }

    /// The tree HEAD points to, or nil when HEAD is unborn (no commits yet). The caller frees it
    /// with `git_object_free`.
    func headTree() throws(GitError) -> OpaquePointer? {
        var head: OpaquePointer?
        let rc = git_repository_head(&head, pointer)
        if rc == GIT_EUNBORNBRANCH.rawValue || rc == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(rc, "cannot resolve HEAD")
        defer { git_reference_free(head) }
        var tree: OpaquePointer?
        try GitError.check(git_reference_peel(&tree, head, GIT_OBJECT_TREE), "cannot read the tree of HEAD")
        return tree
    }

    /// A string value from the repository's configuration, with `~/` expanded; nil when unset.
    func configPath(_ name: String) throws(GitError) -> PathBytes? {
        var config: OpaquePointer?
        try GitError.check(git_repository_config_snapshot(&config, pointer), "cannot read the git configuration")
        defer { git_config_free(config) }
        var buf = git_buf()
        defer { git_buf_dispose(&buf) }
        let rc = git_config_get_path(&buf, config, name)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(rc, "cannot read \(name)")
        return buf.ptr.map { PathBytes(cString: $0) }
    }
}
