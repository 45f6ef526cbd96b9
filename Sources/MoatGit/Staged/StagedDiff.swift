#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGit2
import MoatBytes

/// One index entry the next commit records differently from HEAD (added, modified or type-changed).
struct StagedChange: Equatable {
    var path: PathBytes
    var id: ObjectID
    /// `.regular`, `.executable`, `.symlink` or `.gitlink`.
    var mode: GitFileMode
    /// The index entry's cached stat data (zero when unknown).
    var stat: IndexStat
}

/// The difference between HEAD's tree and the index, as `git diff --cached --no-renames
/// --diff-filter=AMCRT` lists it, computed two ways:
///
/// - `fastChanges`: reads the index file itself and walks HEAD's tree only where the index's
///   cache-tree does not vouch for a directory (what git does). With a few files staged in a
///   10k-file repository this takes well under a millisecond, against ~10 ms for libgit2 to load and
///   checksum the index and ~20 ms for `git_diff_tree_to_index`, which inflates every tree of HEAD.
/// - `libgit2Changes`: `git_diff_tree_to_index`, the fallback for everything the fast path declines
///   (split or sparse index, conflicts, a corrupt index, a missing tree object).
///
/// Both leave out intents to add (`git add -N`): the next commit does not record them.
enum StagedDiff {
    /// Deeper directory nesting is left to libgit2.
    static let maxDepth = 1024

    /// The index file the repository uses: `GIT_INDEX_FILE` when the repository was opened from the
    /// environment with it set, otherwise `index` in the git directory.
    static func indexPath(of repository: GitRepository) -> PathBytes? {
        if let file = repository.indexFileOverride { return file }
        return repository.gitDir.appending(Array("index".utf8))
    }

    /// The staged changes from the index file and the cache-tree; nil when this path cannot answer
    /// (the caller then uses `libgit2Changes`). `headTree` is nil for an unborn branch.
    static func fastChanges(repository: GitRepository, headTree: OpaquePointer?, index: IndexFile) -> [StagedChange]? {
        guard !index.hasConflicts else { return nil }  // git commit refuses them; libgit2 reports them as its own status
        let staged: [Int]? = index.data.withUnsafeBufferPointer { data in
            index.names.withUnsafeBufferPointer { names in
                index.entries.withUnsafeBufferPointer { entries in
                    index.cacheTree.withUnsafeBufferPointer { nodes in
                        index.childOrder.withUnsafeBufferPointer { order in
                            guard let dataBase = data.baseAddress else { return nil }
                            var walker = TreeIndexWalker(repository: repository.pointer, data: dataBase,
                                                         names: names.baseAddress ?? dataBase, entries: entries,
                                                         nodes: nodes, childOrder: order)
                            let root: Int? = nodes.isEmpty ? nil : 0
                            if let headTree, let root, walker.vouches(root, count: entries.count, for: git_tree_id(headTree)) {
                                return []
                            }
                            guard walker.walk(prefix: 0, lo: 0, hi: entries.count, tree: headTree, node: root, depth: 0) else { return nil }
                            return walker.staged
                        }
                    }
                }
            }
        }
        guard let staged else { return nil }
        var changes: [StagedChange] = []
        changes.reserveCapacity(staged.count)
        for i in staged {
            let entry = index.entries[i]
            guard let mode = GitFileMode(rawValue: entry.mode) else { return nil }
            var oid = git_oid()
            index.data.withUnsafeBufferPointer { _ = git_oid_fromraw(&oid, $0.baseAddress! + entry.oidOffset) }
            changes.append(StagedChange(path: index.path(of: entry), id: ObjectID(oid), mode: mode, stat: entry.stat))
        }
        return changes
    }

    /// The staged changes according to libgit2's `git_diff_tree_to_index`, and the index's file.
    static func libgit2Changes(repository: GitRepository, headTree: OpaquePointer?)
        throws(GitError) -> (changes: [StagedChange], indexPath: PathBytes?) {
        let index = try repository.index()
        defer { git_index_free(index) }
        var options = git_diff_options()
        try GitError.check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "cannot set up the diff")
        options.flags = GIT_DIFF_SKIP_BINARY_CHECK.rawValue | GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        var diff: OpaquePointer?
        try GitError.check(git_diff_tree_to_index(&diff, repository.pointer, headTree, index, &options), "cannot diff HEAD against the index")
        defer { git_diff_free(diff) }

        var changes: [StagedChange] = []
        for i in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, i)?.pointee else { continue }
            switch delta.status {
            case GIT_DELTA_ADDED, GIT_DELTA_MODIFIED, GIT_DELTA_COPIED, GIT_DELTA_RENAMED, GIT_DELTA_TYPECHANGE: break
            default: continue  // deleted, unmodified, conflicted, ...
            }
            let file = delta.new_file
            let entry = git_index_get_bypath(index, file.path, 0)?.pointee
            // `git add -N` records an intent to add, not content; git commit leaves it out (even over a
            // path HEAD has: git then shows a deletion).
            if let entry, entry.flags_extended & UInt16(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue) != 0 { continue }
            switch GitFileMode(rawValue: UInt32(file.mode)) {
            case let mode? where mode != .tree:
                let stat = entry.map {
                    IndexStat(mtimeSeconds: UInt32(bitPattern: $0.mtime.seconds), mtimeNanoseconds: $0.mtime.nanoseconds,
                              fileSize: $0.file_size)
                } ?? IndexStat(mtimeSeconds: 0, mtimeNanoseconds: 0, fileSize: 0)
                changes.append(StagedChange(path: PathBytes(cString: file.path), id: ObjectID(file.id), mode: mode, stat: stat))
            default: continue
            }
        }
        return (changes, git_index_path(index).map { PathBytes(cString: $0) })
    }
}

/// Walks HEAD's tree and the sorted index entries together, skipping every directory whose
/// cache-tree node is valid, spans exactly the entries under it, and names HEAD's tree for it.
private struct TreeIndexWalker {
    let repository: OpaquePointer
    /// The index file (object ids and cache-tree names point into it).
    let data: UnsafePointer<UInt8>
    /// The entries' paths.
    let names: UnsafePointer<UInt8>
    let entries: UnsafeBufferPointer<IndexFile.Entry>
    let nodes: UnsafeBufferPointer<IndexFile.CacheTreeNode>
    let childOrder: UnsafeBufferPointer<Int>
    /// Indices of the staged entries, in index order.
    var staged: [Int] = []
    /// Scratch space for a NUL-terminated name.
    private var name: [CChar] = []

    init(repository: OpaquePointer, data: UnsafePointer<UInt8>, names: UnsafePointer<UInt8>,
         entries: UnsafeBufferPointer<IndexFile.Entry>, nodes: UnsafeBufferPointer<IndexFile.CacheTreeNode>,
         childOrder: UnsafeBufferPointer<Int>) {
        self.repository = repository
        self.data = data
        self.names = names
        self.entries = entries
        self.nodes = nodes
        self.childOrder = childOrder
    }

    /// Whether cache-tree node `node` is valid, covers `count` entries and records tree `id`.
    func vouches(_ node: Int, count: Int, for id: UnsafePointer<git_oid>?) -> Bool {
        let n = nodes[node]
        guard n.isValid, n.entryCount == count, let id else { return false }
        return memcmp(id, data + n.oidOffset, IndexFile.oidSize) == 0
    }

    /// Diffs `entries[lo..<hi]`, which all lie in one directory whose path (with its slash) is the
    /// first `prefix` bytes of their names, against that directory's tree in HEAD (nil: none) and
    /// its cache-tree node. False when the walk cannot go on (missing tree object, too deep).
    mutating func walk(prefix: Int, lo: Int, hi: Int, tree: OpaquePointer?, node: Int?, depth: Int) -> Bool {
        guard depth <= StagedDiff.maxDepth else { return false }
        guard let tree else {
            for i in lo..<hi where !entries[i].intentToAdd { staged.append(i) }
            return true
        }
        var i = lo
        while i < hi {
            let entry = entries[i]
            let start = names + entry.nameStart + prefix
            let rest = entry.nameCount - prefix
            if let slash = memchr(start, Int32(UInt8(ascii: "/")), rest) {
                // A subdirectory: every entry from i on that shares the component.
                let length = UnsafePointer(slash.assumingMemoryBound(to: UInt8.self)) - start
                let childPrefix = prefix + length + 1
                let end = groupEnd(from: i, to: hi, prefix: childPrefix)
                var subtreeId: UnsafePointer<git_oid>?
                if let treeEntry = lookup(tree, start, length), git_tree_entry_type(treeEntry) == GIT_OBJECT_TREE {
                    subtreeId = git_tree_entry_id(treeEntry)
                }
                let child = node.flatMap { findChild(of: $0, start, length) }
                if let child, vouches(child, count: end - i, for: subtreeId) {
                    i = end
                    continue
                }
                var subtree: OpaquePointer?
                if let subtreeId {
                    guard git_tree_lookup(&subtree, repository, subtreeId) == 0 else { return false }
                }
                let ok = walk(prefix: childPrefix, lo: i, hi: end, tree: subtree, node: child, depth: depth + 1)
                git_tree_free(subtree)
                guard ok else { return false }
                i = end
            } else {
                if !entry.intentToAdd {
                    if let treeEntry = lookup(tree, start, rest), git_tree_entry_type(treeEntry) != GIT_OBJECT_TREE,
                       git_tree_entry_filemode(treeEntry).rawValue == entry.mode,
                       memcmp(git_tree_entry_id(treeEntry), data + entry.oidOffset, IndexFile.oidSize) == 0 {
                        // unchanged
                    } else {
                        staged.append(i)
                    }
                }
                i += 1
            }
        }
        return true
    }

    /// The first index in `from + 1 ... to` whose name does not share the first `prefix` bytes
    /// with entry `from` (a run of names with one prefix is contiguous in sorted order).
    private func groupEnd(from: Int, to: Int, prefix: Int) -> Int {
        let first = names + entries[from].nameStart
        var low = from + 1, high = to
        while low < high {
            let mid = (low + high) / 2
            let e = entries[mid]
            if e.nameCount >= prefix && memcmp(names + e.nameStart, first, prefix) == 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The tree entry named by `length` bytes at `start`.
    private mutating func lookup(_ tree: OpaquePointer, _ start: UnsafePointer<UInt8>, _ length: Int) -> OpaquePointer? {
        name.removeAll(keepingCapacity: true)
        for k in 0..<length { name.append(CChar(bitPattern: start[k])) }
        name.append(0)
        return git_tree_entry_byname(tree, name)
    }

    /// The child of cache-tree node `node` named by `length` bytes at `start`.
    private func findChild(of node: Int, _ start: UnsafePointer<UInt8>, _ length: Int) -> Int? {
        var low = nodes[node].children.lowerBound, high = nodes[node].children.upperBound
        while low < high {
            let mid = (low + high) / 2
            let candidate = nodes[childOrder[mid]]
            var order = Int(memcmp(data + candidate.nameStart, start, min(candidate.nameCount, length)))
            if order == 0 { order = candidate.nameCount - length }
            if order == 0 { return childOrder[mid] }
            if order < 0 { low = mid + 1 } else { high = mid }
        }
        return nil
    }
}
