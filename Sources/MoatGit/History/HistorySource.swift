import Dispatch
import CGit2
import MoatBytes
import Synchronization

/// Every unique blob in a part of a repository's history, each listed once, attributed to the first
/// commit (in walk order) that carries it and to its path there. Only the object headers of blobs
/// are read (size and type); reading and scanning content is the caller's job, typically with one
/// `GitRepository` per worker thread.
///
/// **Walk.** Commits are taken in reverse topological order with time as the tie-breaker
/// (libgit2's `TOPOLOGICAL | TIME | REVERSE`: roughly oldest first, parents before children), so
/// "first commit" is the introducing commit and is the same on every run and machine. Each
/// commit's tree is walked iteratively (no depth limit), entering every distinct tree id once:
/// the cost follows the number of distinct trees, not commits x files. Submodules (gitlinks) and
/// symlinks are counted and skipped; a symlink's target is never followed.
///
/// **Boundaries** (`A..B`, `^A`, the remote side of a push): the commits walked are those the
/// included tips reach and the excluded tips do not, and a blob is listed only if it is not in the
/// tree of any excluding tip ("boundary") commit. A blob that was also present somewhere in the
/// excluded history but not at a boundary (deleted before it, then brought back) is listed again:
/// it is in what is being introduced. Hidden history beyond the boundary trees is not walked:
/// a blob that is unchanged since the boundary is in the boundary tree.
///
/// **Shallow clones**: libgit2 1.5's revision walk fails at the shallow boundary, so when
/// `<git dir>/shallow` lists commits the walk is done here: follow parents from the tips, stop at
/// the listed commits (their parents are absent), honour exclusions, and order parents before
/// children, by commit time then id. The same walk is the fallback when libgit2's walk fails on a
/// missing commit in a damaged repository.
///
/// **Missing objects** (partial clones, damaged repositories): a missing commit or tree is counted,
/// sampled and skipped with what only it leads to; a blob whose header cannot be read is counted
/// and left out of `blobs`. Nothing missing is fatal.
public final class HistorySource {
    /// The repository the blobs come from.
    public let repository: GitRepository
    /// Unique blobs, in first-commit walk order, then by path within a commit; blobs without a
    /// commit come last (reachable ones from refs to trees or blobs, then dangling ones), by path
    /// and id.
    public let blobs: [HistoryBlob]
    /// Counters of the walk.
    public let stats: HistoryStats
    /// Up to `missingSampleLimit` of the objects counted as missing, in the order they were met.
    public let missingSamples: [MissingObject]
    /// Loose ref files that hold neither an object id nor `ref: <target>` (git warns "ignoring
    /// broken ref" and so does moat): their history, if any, was not walked.
    public let brokenRefs: [String]
    /// The packs mapped for a preloaded walk, reused to read blobs in pack order (`readBlobs`).
    let packs: [PackLayout]
    /// Where each of `blobs` sits in `packs`, when it does.
    let packLocations: [PackLocation?]

    public static let missingSampleLimit = 50

    /// When the walk decodes every packed tree up front (`TreeStore`) instead of reading trees one
    /// by one through libgit2.
    public enum TreePreload: Sendable {
        /// When the walk covers at least `automaticThreshold` commits: a whole-history sweep, not a
        /// pull request's few commits, which would read a small part of the packs.
        case automatic
        case always
        case never
    }

    /// A phase of the walk, for progress reports.
    public enum Step: Sendable {
        /// Decoding the packed trees up front (`TreePreload`), for a walk of `commits` commits.
        case decodingTrees(commits: Int)
        /// `done` of `total` commits walked.
        case walking(done: Int, total: Int)
    }

    /// Commits from which `.automatic` preloads trees.
    public static let automaticThreshold = 1000

    /// Walks `selection` in `repository`.
    ///
    /// Throws for an unknown or non-commit revision (`unknown revision 'foo'`, also for an explicit
    /// revision in a repository without commits), an unparsable pre-push line's commit that is not
    /// in the repository, and object-database failures that are not a missing object. A repository
    /// without commits gives no blobs for `.allRefs`.
    ///
    /// `workers` threads decode the repository's trees up front when the walk is big enough to pay
    /// for it (`treePreload`); the walk itself is one thread. The result does not depend on either.
    ///
    /// `onStep` hears what the walk is doing (on the calling thread, a few times a second at most
    /// for the commit count), for a progress line: a walk of a huge history takes a while.
    public init(repository: GitRepository, selection: RevisionSelection, workers: Int = 1,
                treePreload: TreePreload = .automatic, onStep: ((Step) -> Void)? = nil) throws(GitError) {
        let walk = try HistoryWalk(repository: repository)
        walk.workers = max(1, workers)
        walk.treePreload = treePreload
        walk.onStep = onStep
        try walk.run(selection)
        self.repository = repository
        self.blobs = walk.output
        self.stats = walk.stats
        self.missingSamples = walk.missingSamples
        self.brokenRefs = walk.brokenRefs
        self.packs = walk.packs
        self.packLocations = walk.outputLocations
    }
}

/// A 20-byte object id as two `UInt64` and a `UInt32`: cheap to hash and compare.
struct OIDKey: Hashable {
    let a: UInt64
    let b: UInt64
    let c: UInt32

    @inline(__always)
    init(_ id: UnsafePointer<git_oid>) { self.init(raw: UnsafeRawPointer(id)) }

    @inline(__always)
    init(raw: UnsafeRawPointer) {
        a = raw.loadUnaligned(as: UInt64.self)
        b = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        c = raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
    }

    init(_ id: git_oid) {
        var id = id
        self.init(&id)
    }

    // All of it: ids in trees are chosen by whoever wrote the repository, so any fixed part may be
    // shared by many of them.
    @inline(__always)
    func hash(into hasher: inout Hasher) {
        hasher.combine(a)
        hasher.combine(b)
        hasher.combine(c)
    }

    @inline(__always)
    static func == (x: OIDKey, y: OIDKey) -> Bool { x.a == y.a && x.b == y.b && x.c == y.c }
}

/// The state of one history walk (one thread).
final class HistoryWalk {
    let repository: GitRepository
    let repo: OpaquePointer
    let odb: OpaquePointer

    var stats = HistoryStats()
    var missingSamples: [MissingObject] = []
    var brokenRefs: [String] = []
    private var missing = Set<OIDKey>()

    // What the selection resolved to.
    var tips: [git_oid] = []
    var hides: [git_oid] = []
    /// Refs that peel to a tree or a blob rather than a commit (`.allRefs` only).
    var treeTips: [git_oid] = []
    var blobTips: [git_oid] = []

    // The walk.
    var commitOrder: [git_oid] = []
    let seenTrees = OIDTable(minimumCapacity: 1 << 14)
    var hiddenBlobs = Set<OIDKey>()
    var headBlobs = Set<OIDKey>()
    var symlinks = Set<OIDKey>()
    var gitlinks = Set<OIDKey>()
    let blobIndex = OIDTable(minimumCapacity: 1 << 14)
    var records: [BlobRecord] = []
    var extraPaths = Set<PathKey>()
    var authors: [Int32: (name: String, email: String, time: Int64)] = [:]
    var pathBuffer: [UInt8] = []

    var output: [HistoryBlob] = []
    /// Where each of `output` sits in the mapped packs, when it does.
    var outputLocations: [PackLocation?] = []

    var workers = 1
    var treePreload = HistorySource.TreePreload.automatic
    var onStep: ((HistorySource.Step) -> Void)?
    /// Trees decoded up front, when preloaded; released after the walk.
    var treeStore: TreeStore?
    var packs: [PackLayout] = []

    /// Reached only through the walk, never through a commit: the `commit` of a record.
    static let noCommit: Int32 = -1
    static let unreachable: Int32 = -2

    init(repository: GitRepository) throws(GitError) {
        self.repository = repository
        self.repo = repository.pointer
        self.odb = try repository.odb()
        pathBuffer.reserveCapacity(4096)
    }

    func run(_ selection: RevisionSelection) throws(GitError) {
        var includeUnreachable = false
        switch selection {
        case let .allRefs(unreachable):
            includeUnreachable = unreachable
            try resolveAllRefs()
        case let .revisions(specs):
            try resolveRevisions(specs)
        case let .prePush(lines, remote):
            try resolvePrePush(lines, remote: remote)
        case let .preReceive(lines):
            try resolvePreReceive(lines)
        }
        // Sorted, so the walk does not depend on the order refs were listed in.
        tips = sortedUnique(tips)
        hides = sortedUnique(hides)

        let shallow = readShallowFile()
        stats.shallow = !shallow.isEmpty
        commitOrder = tips.isEmpty ? [] : orderCommits(shallow: shallow)

        loadTreeStore()
        defer { treeStore = nil }
        markBoundary()
        if case .preReceive = selection {
            // A server's HEAD says nothing about a push: "at HEAD" means at a pushed tip.
            let seen = OIDTable()
            for var tip in tips {
                var commit: OpaquePointer?
                guard git_commit_lookup(&commit, repo, &tip) == 0 else { continue }
                collectBlobs(of: git_commit_tree_id(commit)!.pointee, seen: seen, into: &headBlobs)
                git_commit_free(commit)
            }
        } else if let tree = (try? repository.headTree()) ?? nil {
            // A HEAD that cannot be read (unborn, or damaged) holds nothing.
            defer { git_object_free(tree) }
            collectBlobs(of: git_tree_id(tree).pointee, seen: OIDTable(), into: &headBlobs)
        }
        walkCommits()
        walkCommitlessTips()
        if includeUnreachable { try addUnreachableBlobs() }
        buildOutput()
        stats.skippedGitlinks = gitlinks.count
        stats.skippedSymlinks = symlinks.count
    }

    /// Decodes the packed trees up front when the policy asks for it.
    private func loadTreeStore() {
        switch treePreload {
        case .never: return
        case .automatic: guard commitOrder.count >= HistorySource.automaticThreshold else { return }
        case .always: break
        }
        guard let packStore = repository.packStore() else { return }
        onStep?(.decodingTrees(commits: commitOrder.count))
        let packs = packStore.packs.map(PackLayout.init(file:))
        guard !packs.isEmpty else { return }
        self.packs = packs
        let store = TreeStore.load(packs: packs, workers: workers, budget: HistoryWalk.treeStoreBudget)
        stats.treesPreloaded = store.count
        treeStore = store
    }

    /// The most tree data held in memory; trees past it are read through libgit2.
    static let treeStoreBudget = 1 << 30

    /// Records an object that could not be read (once per id).
    func noteMissing(_ id: git_oid, _ kind: MissingObject.Kind) {
        guard missing.insert(OIDKey(id)).inserted else { return }
        switch kind {
        case .commit: stats.missingCommits += 1
        case .tree: stats.missingTrees += 1
        case .blob: stats.missingBlobs += 1
        case .object: stats.missingOthers += 1
        }
        if missingSamples.count < HistorySource.missingSampleLimit { missingSamples.append(MissingObject(id: ObjectID(id), kind: kind)) }
    }

    private func sortedUnique(_ ids: [git_oid]) -> [git_oid] {
        var seen = Set<OIDKey>()
        return ids.filter { seen.insert(OIDKey($0)).inserted }.sorted { a, b in
            var a = a, b = b
            return git_oid_cmp(&a, &b) < 0
        }
    }

    /// The commits listed in `<common dir>/shallow`; empty for a complete repository.
    private func readShallowFile() -> Set<OIDKey> {
        let path = repository.commonDir.appending(Array("shallow".utf8))
        guard let content = readSmallFile(path) else { return [] }
        return Self.shallowCommits(content)
    }

    /// The ids of a `shallow` file's content, one 40-digit id a line; other lines are skipped.
    static func shallowCommits(_ content: [UInt8]) -> Set<OIDKey> {
        var result = Set<OIDKey>()
        for line in content.split(whereSeparator: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            let hex = String(decoding: line, as: UTF8.self).trimmingSpaces
            if let id = ObjectID(hex: hex) { result.insert(OIDKey(id.oid)) }
        }
        return result
    }

    /// Adds the blobs of trees and blobs that refs point to directly (a tag of a tree or a blob).
    private func walkCommitlessTips() {
        for tree in treeTips { _ = walkTree(tree, commit: Self.noCommit) }
        for blob in blobTips {
            var id = blob
            let key = OIDKey(&id)
            if blobIndex.insert(key, value: Int32(records.count)) {
                records.append(BlobRecord(id: id, commit: Self.noCommit, path: [], pathHash: 0))
            }
        }
    }

    /// `.allRefs(includeUnreachable: true)`: the blobs in the object database that the walk did not
    /// reach.
    private func addUnreachableBlobs() throws(GitError) {
        final class Box { var ids: [git_oid] = []; var seen = Set<OIDKey>() }
        let box = Box()
        let rc = git_odb_foreach(odb, { id, payload in
            let box = Unmanaged<Box>.fromOpaque(payload!).takeUnretainedValue()
            if box.seen.insert(OIDKey(id!)).inserted { box.ids.append(id!.pointee) }
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
        try GitError.check(rc, "cannot list the object database")
        var found: [git_oid] = []
        for var id in box.ids {
            let key = OIDKey(&id)
            if blobIndex.contains(key) || seenTrees.contains(key) || symlinks.contains(key) { continue }
            var size = 0
            var type = GIT_OBJECT_INVALID
            // An object listed but unreadable (a corrupt loose file, a damaged pack) is of unknown
            // type: counted, not dropped.
            guard git_odb_read_header(&size, &type, odb, &id) == 0 else { noteMissing(id, .object); continue }
            guard type == GIT_OBJECT_BLOB else { continue }
            found.append(id)
        }
        found.sort { a, b in var a = a, b = b; return git_oid_cmp(&a, &b) < 0 }
        for var id in found {
            blobIndex.insert(OIDKey(&id), value: Int32(records.count))
            records.append(BlobRecord(id: id, commit: Self.unreachable, path: [], pathHash: 0))
        }
    }

    /// Reads headers, drops missing blobs, and sorts.
    private func buildOutput() {
        // Records are created in walk order; within one commit sort by path, and commitless blobs by
        // (reachable first, path, id). Commit indices grow with creation order, so (group, commit,
        // path, id) is a total, deterministic order. Records already come grouped by commit in that
        // order, so only each commit's own records are sorted.
        func group(_ c: Int32) -> Int { c >= 0 ? 0 : (c == Self.noCommit ? 1 : 2) }
        var ordered = Array(records.indices)
        let inCreationOrder = records.indices.dropFirst().allSatisfy { i in
            let a = records[i - 1].commit, b = records[i].commit
            return group(a) < group(b) || (group(a) == group(b) && a <= b)
        }
        records.withUnsafeBufferPointer { r in
            let byPathThenId: (Int, Int) -> Bool = { i, j in
                if r[i].path != r[j].path { return r[i].path.lexicographicallyPrecedes(r[j].path) }
                var a = r[i].id, b = r[j].id
                return git_oid_cmp(&a, &b) < 0
            }
            guard inCreationOrder else {
                ordered.sort { i, j in
                    let gx = group(r[i].commit), gy = group(r[j].commit)
                    if gx != gy { return gx < gy }
                    if r[i].commit != r[j].commit { return r[i].commit < r[j].commit }
                    return byPathThenId(i, j)
                }
                return
            }
            var start = 0
            while start < ordered.count {
                var end = start + 1
                while end < ordered.count, r[end].commit == r[start].commit { end += 1 }
                if end - start > 1 { ordered[start..<end].sort(by: byPathThenId) }
                start = end
            }
        }
        var out: [HistoryBlob] = []
        out.reserveCapacity(ordered.count)
        let located = packedBlobs(ordered)
        var locations: [PackLocation?] = []
        locations.reserveCapacity(ordered.count)
        for (n, i) in ordered.enumerated() {
            let r = records[i]
            var id = r.id
            var size = located[n]?.size ?? -1
            if size < 0 {
                var type = GIT_OBJECT_INVALID
                guard git_odb_read_header(&size, &type, odb, &id) == 0, type == GIT_OBJECT_BLOB else {
                    noteMissing(id, .blob)
                    continue
                }
            }
            locations.append(located[n])
            let key = OIDKey(&id)
            let author = r.commit >= 0 ? authors[r.commit] : nil
            out.append(HistoryBlob(
                id: ObjectID(id), size: size, path: PathBytes(r.path),
                firstCommit: r.commit >= 0 ? ObjectID(commitOrder[Int(r.commit)]) : nil,
                author: author?.name, authorEmail: author?.email, time: author?.time,
                pathCount: Int(r.pathCount), commitCount: Int(r.commitCount),
                inHead: headBlobs.contains(key), reachable: r.commit != Self.unreachable))
            if r.commit >= 0 { out[out.count - 1].commitOrder = Int(r.commit) }
            if r.commit == Self.unreachable { stats.unreachableBlobs += 1 }
        }
        stats.blobs = out.count
        output = out
        outputLocations = locations
    }
}

extension HistoryWalk {
    /// Where the mapped packs hold the blobs `records[ordered[n]]` and their sizes, from the entry
    /// headers (for a delta: the first bytes of its instructions), read by `workers` threads; nil
    /// where the packs do not hold a blob by that id.
    func packedBlobs(_ ordered: [Int]) -> [PackLocation?] {
        var located = [PackLocation?](repeating: nil, count: ordered.count)
        guard !packs.isEmpty, !ordered.isEmpty else { return located }
        let packs = self.packs
        let ids = ordered.map { ObjectID(records[$0].id) }
        let n = max(1, min(workers, ids.count / 4096 + 1))
        let per = (ids.count + n - 1) / n
        // Each worker fills its own slice; the slices are put together after.
        let slices = Mutex<[(worker: Int, locations: [PackLocation?])]>([])
        DispatchQueue.concurrentPerform(iterations: n) { w in
            let range = (w * per)..<max(w * per, min(ids.count, (w + 1) * per))
            var mine = [PackLocation?](repeating: nil, count: range.count)
            var decoders = [PackObjectDecoder?](repeating: nil, count: packs.count)  // made when needed
            for i in range {
                for (p, pack) in packs.enumerated() {
                    guard let k = pack.entry(of: ids[i]) else { continue }
                    if pack.types[k] == PackEntryKind.blob.rawValue {
                        if decoders[p] == nil { decoders[p] = PackObjectDecoder(pack: pack, cacheLimit: 0) }
                        if let size = decoders[p]!.objectSize(k) {
                            mine[i - range.lowerBound] = PackLocation(pack: Int32(p), entry: Int32(k), size: size)
                        }
                    }
                    break
                }
            }
            slices.withLock { $0.append((w, mine)) }
        }
        for slice in slices.withLock({ $0 }) where !slice.locations.isEmpty {
            let start = slice.worker * per
            located.replaceSubrange(start..<(start + slice.locations.count), with: slice.locations)
        }
        return located
    }
}

/// A blob's entry in one of the mapped packs (`HistorySource.packs`), and its size.
struct PackLocation {
    let pack: Int32
    let entry: Int32
    let size: Int
}

/// What the walk knows about one unique blob.
struct BlobRecord {
    var id: git_oid
    /// Index in `commitOrder`, or `HistoryWalk.noCommit` / `.unreachable`.
    var commit: Int32
    /// Path at first sight.
    var path: [UInt8]
    /// Hash of `path`, to count other paths cheaply.
    var pathHash: UInt64
    var pathCount: Int32 = 1
    var commitCount: Int32
    /// The last commit counted in `commitCount`.
    var lastCommit: Int32

    init(id: git_oid, commit: Int32, path: [UInt8], pathHash: UInt64) {
        self.id = id
        self.commit = commit
        self.path = path
        self.pathHash = pathHash
        self.commitCount = commit >= 0 ? 1 : 0
        self.lastCommit = commit
    }
}

/// A blob seen at a path other than its first (by hash of the full path).
struct PathKey: Hashable {
    let blob: Int32
    let pathHash: UInt64
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

