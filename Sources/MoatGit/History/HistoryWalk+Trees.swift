#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGit2

// The tree walks: the hot loop of a history sweep. No recursion (trees can be arbitrarily deep),
// no String in the loop, paths built only when a blob is first seen.

/// FNV-1a, 64 bits, for path hashes.
private let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
private let fnvPrime: UInt64 = 0x100_0000_01b3

@inline(__always)
private func fnvSlash(_ h: UInt64) -> UInt64 { (h ^ UInt64(UInt8(ascii: "/"))) &* fnvPrime }

/// One tree object, parsed entry by entry in place: from the `TreeStore` when it holds the tree,
/// else read raw from libgit2's object database (libgit2's `git_tree_lookup` allocates an entry
/// array per tree and goes through the object cache: about twice the cost of parsing here).
struct RawTree {
    enum Kind { case blob, tree, symlink, gitlink, other }

    struct Entry {
        let kind: Kind
        let id: UnsafeRawPointer
        let name: UnsafePointer<UInt8>
        let nameLength: Int
    }

    /// The libgit2 object holding the bytes; nil when they live in the tree store.
    let object: OpaquePointer?
    let id: git_oid
    private let base: UnsafePointer<UInt8>
    private let size: Int
    private var offset = 0
    /// Set when an entry could not be parsed; the rest of the tree is skipped.
    private(set) var malformed = false

    /// nil when `id` is missing or not a tree.
    init?(_ id: UnsafeRawPointer, odb: OpaquePointer, store: TreeStore?) {
        self.id = id.loadUnaligned(as: git_oid.self)
        if let bytes = store?.tree(id) {
            object = nil
            size = bytes.count
            base = (bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: UInt8.self)
            return
        }
        var object: OpaquePointer?
        guard git_odb_read(&object, odb, id.assumingMemoryBound(to: git_oid.self)) == 0, let object else { return nil }
        guard git_odb_object_type(object) == GIT_OBJECT_TREE else {
            git_odb_object_free(object)
            return nil
        }
        self.object = object
        self.size = git_odb_object_size(object)
        self.base = (git_odb_object_data(object) ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: UInt8.self)
    }

    /// A tree over `bytes`, which the caller keeps alive while it is read (the parser on its own,
    /// for the fuzz tests).
    init(bytes: UnsafeRawBufferPointer, id: git_oid) {
        self.id = id
        object = nil
        size = bytes.count
        base = (bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: UInt8.self)
    }

    func free() { if let object { git_odb_object_free(object) } }

    /// The next entry (`<octal mode> <name>\0<20-byte id>`), or nil at the end or at a malformed entry.
    @inline(__always)
    mutating func next() -> Entry? {
        var p = offset
        guard p < size else { return nil }
        var mode: UInt32 = 0
        while p < size, base[p] != 0x20 {
            let digit = base[p] &- 0x30
            guard digit < 8, mode < 0o1000000 else { return fail() }
            mode = mode << 3 | UInt32(digit)
            p += 1
        }
        p += 1
        guard p < size, let nul = memchr(base + p, 0, size - p) else { return fail() }
        let nameLength = UnsafeRawPointer(nul) - UnsafeRawPointer(base + p)
        guard nameLength > 0, p + nameLength + 1 + 20 <= size else { return fail() }
        let name = base + p
        p += nameLength + 1
        offset = p + 20
        let kind: Kind
        switch mode & 0o170000 {
        case 0o100000: kind = .blob
        case 0o040000: kind = .tree
        case 0o120000: kind = .symlink
        case 0o160000: kind = .gitlink
        default: kind = .other
        }
        return Entry(kind: kind, id: UnsafeRawPointer(base + p), name: name, nameLength: nameLength)
    }

    private mutating func fail() -> Entry? {
        malformed = true
        offset = size
        return nil
    }
}

@inline(__always)
private func fnvBytes(_ seed: UInt64, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
    var h = seed
    for i in 0..<count { h = (h ^ UInt64(bytes[i])) &* fnvPrime }
    return h
}

extension HistoryWalk {
    /// Collects the blobs in the trees of the excluding tips into `hiddenBlobs`, and marks their
    /// trees as seen so the main walk never enters them (every blob under them is hidden).
    func markBoundary() {
        for var id in hides {
            var commit: OpaquePointer?
            guard git_commit_lookup(&commit, repo, &id) == 0 else { noteMissing(id, .commit); continue }
            defer { git_commit_free(commit) }
            stats.boundaryCommits += 1
            collectBlobs(of: git_commit_tree_id(commit)!.pointee, seen: seenTrees, into: &hiddenBlobs)
        }
    }

    /// Adds the ids of the regular and executable blobs under `root` to `blobs`, skipping trees in
    /// `seen` and adding the ones it enters.
    func collectBlobs(of root: git_oid, seen: OIDTable, into blobs: inout Set<OIDKey>) {
        var root = root
        guard seen.insert(OIDKey(&root)), let tree = openTree(&root) else { return }
        var stack = [tree]
        while let top = stack.indices.last {
            guard let entry = stack[top].next() else {
                if stack[top].malformed { noteMalformed(stack[top]) }
                stack[top].free()
                stack.removeLast()
                continue
            }
            switch entry.kind {
            case .tree:
                guard seen.insert(OIDKey(raw: entry.id)), let sub = openTree(entry.id) else { continue }
                stack.append(sub)
            case .blob:
                blobs.insert(OIDKey(raw: entry.id))
            default:
                continue
            }
        }
    }

    /// Walks every commit in `commitOrder`, attributing new blobs to it.
    func walkCommits() {
        for i in commitOrder.indices {
            if i & 1023 == 0 { onStep?(.walking(done: i, total: commitOrder.count)) }
            var id = commitOrder[i]
            var commit: OpaquePointer?
            guard git_commit_lookup(&commit, repo, &id) == 0 else { noteMissing(id, .commit); continue }
            defer { git_commit_free(commit) }
            stats.commits += 1
            if walkTree(git_commit_tree_id(commit)!.pointee, commit: Int32(i)) > 0, let author = git_commit_author(commit)?.pointee {
                authors[Int32(i)] = (name: author.name.map { decodeLossy($0) } ?? "",
                                     email: author.email.map { decodeLossy($0) } ?? "",
                                     time: Int64(author.when.time))
            }
        }
    }

    /// Walks the trees under `root` not seen before, recording blobs not seen before (and not
    /// hidden) under `commit`, and counting other sightings. Returns how many blobs were new.
    @discardableResult
    func walkTree(_ root: git_oid, commit: Int32) -> Int {
        var root = root
        guard seenTrees.insert(OIDKey(&root)), let rootTree = openTree(&root) else { return 0 }
        stats.trees += 1
        // Work on locals (moved out, so no copy): class properties cost an exclusivity check per access.
        let seenTrees = self.seenTrees, blobIndex = self.blobIndex
        var records = [BlobRecord](), extraPaths = Set<PathKey>()
        var symlinks = Set<OIDKey>(), gitlinks = Set<OIDKey>(), pathBuffer = [UInt8]()
        swap(&records, &self.records)
        swap(&extraPaths, &self.extraPaths)
        swap(&symlinks, &self.symlinks)
        swap(&gitlinks, &self.gitlinks)
        swap(&pathBuffer, &self.pathBuffer)
        let hiddenBlobs = self.hiddenBlobs
        let checkHidden = !hiddenBlobs.isEmpty
        let recordsBefore = records.count
        pathBuffer.removeAll(keepingCapacity: true)

        struct Frame {
            var tree: RawTree
            /// Length of this tree's path in `pathBuffer`, including its trailing slash.
            let prefix: Int
            /// Hash of that path.
            let hash: UInt64
        }
        var stack = [Frame(tree: rootTree, prefix: 0, hash: fnvOffset)]
        var entries = 0, trees = 0
        while let top = stack.indices.last {
            guard let entry = stack[top].tree.next() else {
                if stack[top].tree.malformed { noteMalformed(stack[top].tree) }
                stack[top].tree.free()
                stack.removeLast()
                continue
            }
            entries += 1
            switch entry.kind {
            case .blob:
                let key = OIDKey(raw: entry.id)
                if checkHidden, hiddenBlobs.contains(key) { continue }
                let hash = fnvBytes(stack[top].hash, entry.name, entry.nameLength)
                if let i = blobIndex.value(key) {
                    let r = Int(i)
                    if records[r].lastCommit != commit {
                        records[r].lastCommit = commit
                        if commit >= 0 { records[r].commitCount += 1 }
                    }
                    if records[r].pathHash != hash, extraPaths.insert(PathKey(blob: i, pathHash: hash)).inserted {
                        records[r].pathCount += 1
                    }
                } else {
                    let prefix = stack[top].prefix
                    var path = [UInt8]()
                    path.reserveCapacity(prefix + entry.nameLength)
                    path.append(contentsOf: pathBuffer[0..<prefix])
                    path.append(contentsOf: UnsafeBufferPointer(start: entry.name, count: entry.nameLength))
                    blobIndex.insert(key, value: Int32(records.count))
                    records.append(BlobRecord(id: entry.id.loadUnaligned(as: git_oid.self), commit: commit, path: path, pathHash: hash))
                }
            case .tree:
                guard seenTrees.insert(OIDKey(raw: entry.id)), let sub = openTree(entry.id) else { continue }
                trees += 1
                let prefix = stack[top].prefix
                pathBuffer.removeSubrange(prefix...)
                pathBuffer.append(contentsOf: UnsafeBufferPointer(start: entry.name, count: entry.nameLength))
                pathBuffer.append(UInt8(ascii: "/"))
                stack.append(Frame(tree: sub, prefix: pathBuffer.count,
                                   hash: fnvSlash(fnvBytes(stack[top].hash, entry.name, entry.nameLength))))
            case .symlink:
                symlinks.insert(OIDKey(raw: entry.id))
            case .gitlink:
                gitlinks.insert(OIDKey(raw: entry.id))
            case .other:
                continue
            }
        }
        stats.trees += trees
        stats.treeEntries += entries
        let added = records.count - recordsBefore
        swap(&records, &self.records)
        swap(&extraPaths, &self.extraPaths)
        swap(&symlinks, &self.symlinks)
        swap(&gitlinks, &self.gitlinks)
        swap(&pathBuffer, &self.pathBuffer)
        return added
    }

    /// The tree `id`, or nil (counted as missing) when it cannot be read. Call `free()` on it.
    @inline(__always)
    func openTree(_ id: UnsafeRawPointer) -> RawTree? {
        guard let tree = RawTree(id, odb: odb, store: treeStore) else {
            noteMissing(id.loadUnaligned(as: git_oid.self), .tree)
            return nil
        }
        return tree
    }

    /// A tree whose content could not be parsed: counted as a missing tree (what it holds after
    /// the damage is not walked).
    func noteMalformed(_ tree: RawTree) {
        noteMissing(tree.id, .tree)
    }
}

/// A C string as text, invalid UTF-8 replaced.
func decodeLossy(_ p: UnsafePointer<CChar>) -> String {
    String(decoding: UnsafeRawBufferPointer(start: p, count: strlen(p)), as: UTF8.self)
}
