#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// A git index file (`.git/index` or a `GIT_INDEX_FILE`) read directly, for `StagedDiff`.
///
/// Unlike libgit2, the trailing SHA-1 over the whole file is not verified (git does not check it on
/// read either: it costs ~10 ms on a 1.4 MB index). Every read is bounded by the file's real size,
/// and anything unexpected makes `read`/`init` return nil, so the caller falls back to libgit2:
/// a truncated or corrupt file, a version other than 2-4, entries out of order, a mode git never
/// writes (sparse directory entries included), unknown entry flags, a split index (`link`), a sparse
/// index (`sdir`) or any other required (lowercase) extension, a malformed cache-tree.
/// A SHA-256 index fails the layout checks (and libgit2 1.5 cannot open such repositories anyway).
///
/// Format: Documentation/gitformat-index.txt in git.
struct IndexFile {
    /// One entry (a path at one stage). Positions are stored in 32 bits (the file is under 2 GiB,
    /// `sizeLimit`, and the parse declines expanded names past 4 GiB): 32 bytes an entry instead
    /// of 56, so a 10k-entry index touches ~70 fewer fresh pages.
    struct Entry {
        private let nameStart32: UInt32
        private let nameCount32: UInt32
        private let oidOffset32: UInt32
        /// 0o100644, 0o100755, 0o120000 or 0o160000.
        let mode: UInt32
        private let stage8: UInt8
        /// `git add -N`: a placeholder the next commit leaves out.
        let intentToAdd: Bool
        let skipWorktree: Bool
        /// The cached stat data git compares with the work-tree file.
        let stat: IndexStat

        /// Where the path is in `names`.
        var nameStart: Int { Int(nameStart32) }
        var nameCount: Int { Int(nameCount32) }
        /// Where the 20-byte object id is in `data`.
        var oidOffset: Int { Int(oidOffset32) }
        /// 0 for a merged entry, 1-3 for the sides of a conflict.
        var stage: Int { Int(stage8) }

        /// nil when a position does not fit in 32 bits.
        init?(nameStart: Int, nameCount: Int, oidOffset: Int, mode: UInt32, stage: Int, intentToAdd: Bool, skipWorktree: Bool,
              stat: IndexStat) {
            guard let start = UInt32(exactly: nameStart), let count = UInt32(exactly: nameCount), let oid = UInt32(exactly: oidOffset),
                  let stage = UInt8(exactly: stage) else { return nil }
            nameStart32 = start
            nameCount32 = count
            oidOffset32 = oid
            self.mode = mode
            stage8 = stage
            self.intentToAdd = intentToAdd
            self.skipWorktree = skipWorktree
            self.stat = stat
        }
    }

    /// One directory of the cache-tree (`TREE` extension).
    struct CacheTreeNode {
        /// The directory's own name (one component; empty for the root), in `data`.
        var nameStart: Int
        var nameCount: Int
        /// How many index entries the directory spans; negative when invalidated.
        var entryCount: Int
        /// Where the tree id is in `data`, or -1 when invalidated.
        var oidOffset: Int
        /// The children, as a range of `childOrder` (sorted by name, bytewise).
        var children: Range<Int>
        var isValid: Bool { entryCount >= 0 && oidOffset >= 0 }
    }

    static let oidSize = 20
    /// Larger index files are left to libgit2 (git's own limit for the entry count is far below).
    static let sizeLimit = 1 << 31

    /// Bytes the parse points into: the index file mapped read-only, or an array.
    final class Bytes {
        private enum Storage {
            case mapped(UnsafeMutableRawPointer, Int)
            case owned([UInt8])
        }
        private let storage: Storage

        init(_ bytes: [UInt8]) { storage = .owned(bytes) }

        /// Takes ownership of a mapping (`munmap` on release).
        init(mapping: UnsafeMutableRawPointer, size: Int) { storage = .mapped(mapping, size) }

        deinit { if case .mapped(let address, let size) = storage { munmap(address, size) } }

        var count: Int {
            switch storage {
            case .mapped(_, let size): size
            case .owned(let bytes): bytes.count
            }
        }

        func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
            switch storage {
            case .mapped(let address, let size):
                try body(UnsafeBufferPointer(start: UnsafeRawPointer(address).assumingMemoryBound(to: UInt8.self), count: size))
            case .owned(let bytes): try bytes.withUnsafeBufferPointer(body)
            }
        }
    }

    /// 2, 3 or 4.
    let version: Int
    /// The whole file.
    let data: Bytes
    /// The entries' paths: `data` itself for versions 2 and 3, expanded names for version 4.
    let names: Bytes
    /// In index order: by path (bytewise), then stage.
    let entries: [Entry]
    /// Whether an entry has a stage other than 0 (an unresolved merge conflict).
    let hasConflicts: Bool
    /// The cache-tree in parse order (pre-order, the root first); empty when the index has none.
    let cacheTree: [CacheTreeNode]
    /// Children of the cache-tree nodes, indices into `cacheTree`.
    let childOrder: [Int]

    /// Maps and parses the index file at `path`; nil when it is missing, empty, unreadable or
    /// anything `init(data:)` rejects.
    ///
    /// The file is mapped, not copied (a 10k-file index is ~1.4 MB: copying it cost ~350 page
    /// faults per hook run), with its pages populated at once since the parse reads it all. Every
    /// read stays below the size `fstat` gave when it was mapped. git replaces an index by renaming
    /// `index.lock` over it, never by rewriting it in place, so the mapped file does not change
    /// under the reader.
    static func read(at path: PathBytes) -> IndexFile? {
        guard let (address, size) = FileIO.mapReadOnly(path, populate: true) else { return nil }
        let bytes = Bytes(mapping: address, size: size)  // unmapped when the last reference goes
        guard size < sizeLimit else { return nil }
        return IndexFile(bytes: bytes)
    }

    /// Parses an index file's bytes; nil when they are not a plain SHA-1 index of version 2-4.
    init?(data: [UInt8]) {
        self.init(bytes: Bytes(data))
    }

    private init?(bytes data: Bytes) {
        let parsed: (Int, [UInt8]?, [Entry], Bool, [CacheTreeNode], [Int])? = data.withUnsafeBufferPointer { p in
            IndexFile.parse(p)
        }
        guard let (version, expanded, entries, conflicts, tree, order) = parsed else { return nil }
        self.version = version
        self.data = data
        self.names = expanded.map { Bytes($0) } ?? data
        self.entries = entries
        self.hasConflicts = conflicts
        self.cacheTree = tree
        self.childOrder = order
    }

    /// The entry's path.
    func path(of entry: Entry) -> PathBytes {
        names.withUnsafeBufferPointer { PathBytes(Array($0[entry.nameStart..<(entry.nameStart + entry.nameCount)])) }
    }

    // MARK: parsing

    private static func be32(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        precondition(at >= 0 && at + 4 <= p.count)
        return BigEndian.uint32(UnsafeRawPointer(p.baseAddress!), at: at)
    }

    private static func be16(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt16 {
        precondition(at >= 0 && at + 2 <= p.count)
        return BigEndian.uint16(UnsafeRawPointer(p.baseAddress!), at: at)
    }

    /// The index of the first NUL in `p[from..<end]`, or nil.
    private static func nul(_ p: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int? {
        guard from < end, let base = p.baseAddress, let hit = memchr(base + from, 0, end - from) else { return nil }
        return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
    }

    private static func parse(_ p: UnsafeBufferPointer<UInt8>) -> (Int, [UInt8]?, [Entry], Bool, [CacheTreeNode], [Int])? {
        let size = p.count
        let headerSize = 12
        guard size >= headerSize + oidSize, p[0] == 0x44, p[1] == 0x49, p[2] == 0x52, p[3] == 0x43 else { return nil }  // "DIRC"
        let version = Int(be32(p, 4))
        guard (2...4).contains(version) else { return nil }
        let count = Int(be32(p, 8))
        let end = size - oidSize  // the trailing checksum
        guard count <= (end - headerSize) / 63 else { return nil }  // an entry takes at least 63 bytes

        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var expanded: [UInt8] = []
        var previous: [UInt8] = []  // v4: the previous entry's path
        if version == 4 { expanded.reserveCapacity(count * 32) }
        var conflicts = false
        var pos = headerSize
        for _ in 0..<count {
            guard pos + 62 <= end else { return nil }
            let mode = be32(p, pos + 24)
            switch mode {
            case 0o100644, 0o100755, 0o120000, 0o160000: break
            default: return nil  // includes sparse directory entries (0o040000)
            }
            let flags = be16(p, pos + 60)
            var headerLength = 62
            var extended: UInt16 = 0
            if flags & 0x4000 != 0 {
                guard version >= 3, pos + 64 <= end else { return nil }
                extended = be16(p, pos + 62)
                guard extended & ~0x6000 == 0 else { return nil }  // only skip-worktree and intent-to-add exist
                headerLength = 64
            }
            let stat = IndexStat(mtimeSeconds: be32(p, pos + 8), mtimeNanoseconds: be32(p, pos + 12), fileSize: be32(p, pos + 36))
            let oidOffset = pos + 40
            let statedLength = Int(flags & 0xFFF)
            let nameStart: Int, nameCount: Int
            if version == 4 {
                // A varint (how many bytes to drop from the end of the previous path), then the rest, NUL-terminated.
                var at = pos + headerLength
                guard at < end else { return nil }
                var byte = p[at]
                at += 1
                var strip = Int(byte & 0x7F)
                while byte & 0x80 != 0 {
                    guard at < end, strip < (1 << 40) else { return nil }
                    byte = p[at]
                    at += 1
                    strip = ((strip + 1) << 7) | Int(byte & 0x7F)
                }
                guard strip <= previous.count, let stop = nul(p, from: at, end: end) else { return nil }
                previous.removeLast(strip)
                previous.append(contentsOf: UnsafeBufferPointer(rebasing: p[at..<stop]))
                guard statedLength == 0xFFF ? previous.count >= 0xFFF : previous.count == statedLength else { return nil }
                nameStart = expanded.count
                nameCount = previous.count
                expanded.append(contentsOf: previous)
                pos = stop + 1
            } else {
                nameStart = pos + headerLength
                // NUL-terminated; the flags hold the length, or 0xFFF for "that long or longer".
                guard let stop = nul(p, from: nameStart, end: end) else { return nil }
                nameCount = stop - nameStart
                guard statedLength == 0xFFF ? nameCount >= 0xFFF : nameCount == statedLength else { return nil }
                // Padded with 1-8 NULs to a multiple of 8 bytes.
                let entrySize = (headerLength + nameCount + 8) & ~7
                guard pos + entrySize <= end else { return nil }
                pos += entrySize
            }
            guard nameCount > 0 else { return nil }
            let stage = Int((flags >> 12) & 3)
            if stage != 0 { conflicts = true }
            guard let entry = Entry(nameStart: nameStart, nameCount: nameCount, oidOffset: oidOffset, mode: mode, stage: stage,
                                    intentToAdd: extended & 0x2000 != 0, skipWorktree: extended & 0x4000 != 0, stat: stat)
            else { return nil }
            entries.append(entry)
        }

        // Sorted by path, then stage, as git requires (it refuses to read an index out of order).
        let sorted = version == 4 ? expanded.withUnsafeBufferPointer { inOrder(entries, $0) } : inOrder(entries, p)
        guard sorted else { return nil }

        // Extensions, up to the checksum.
        var tree: ([CacheTreeNode], [Int]) = ([], [])
        while pos < end {
            guard pos + 8 <= end else { return nil }
            let length = Int(be32(p, pos + 4))
            guard length <= end - pos - 8 else { return nil }
            let signature = (p[pos], p[pos + 1], p[pos + 2], p[pos + 3])
            if signature == (0x54, 0x52, 0x45, 0x45) {  // "TREE"
                guard tree.0.isEmpty, let parsed = parseCacheTree(p, from: pos + 8, end: pos + 8 + length) else { return nil }
                tree = parsed
            } else if !(0x41...0x5A).contains(signature.0) {
                return nil  // a required extension: "link" (split index), "sdir" (sparse index), or unknown
            }
            pos += 8 + length
        }
        return (version, version == 4 ? expanded : nil, entries, conflicts, tree.0, tree.1)
    }

    /// Whether the entries are strictly in index order (path bytewise, then stage).
    private static func inOrder(_ entries: [Entry], _ names: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = names.baseAddress else { return entries.isEmpty }
        for i in entries.indices.dropFirst() {
            let a = entries[i - 1], b = entries[i]
            var order = Int(memcmp(base + a.nameStart, base + b.nameStart, min(a.nameCount, b.nameCount)))
            if order == 0 { order = a.nameCount - b.nameCount }
            if order == 0 { order = a.stage - b.stage }
            guard order < 0 else { return false }
        }
        return true
    }

    /// Parses a `TREE` extension: pre-order nodes `path NUL entry_count SP subtree_count LF [oid]`,
    /// with no oid when entry_count is negative (invalidated). Returns the nodes and their children.
    private static func parseCacheTree(_ p: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> ([CacheTreeNode], [Int])? {
        var nodes: [CacheTreeNode] = []
        var parents: [Int] = []
        var open: [(node: Int, remaining: Int)] = []  // nodes still expecting children
        var pos = start

        /// A decimal number (optionally negative) ending at `terminator`.
        func number(_ terminator: UInt8) -> Int? {
            var negative = false
            if pos < end, p[pos] == UInt8(ascii: "-") { negative = true; pos += 1 }
            var value = 0, digits = 0
            while pos < end, p[pos] != terminator {
                let d = Int(p[pos]) - 48
                guard (0...9).contains(d), digits < 10 else { return nil }
                value = value * 10 + d
                digits += 1
                pos += 1
            }
            guard digits > 0, pos < end else { return nil }
            pos += 1
            return negative ? -value : value
        }

        while pos < end {
            guard let stop = nul(p, from: pos, end: end) else { return nil }
            let nameStart = pos
            pos = stop + 1
            guard let entryCount = number(0x20), let subtreeCount = number(0x0A), subtreeCount >= 0 else { return nil }
            var oidOffset = -1
            if entryCount >= 0 {
                guard pos + oidSize <= end else { return nil }
                oidOffset = pos
                pos += oidSize
            }
            let index = nodes.count
            if let last = open.last {
                open[open.count - 1].remaining -= 1
                parents.append(last.node)
                guard stop > nameStart else { return nil }  // only the root is unnamed
            } else {
                guard nodes.isEmpty, stop == nameStart else { return nil }  // one root, unnamed
                parents.append(-1)
            }
            nodes.append(CacheTreeNode(nameStart: nameStart, nameCount: stop - nameStart, entryCount: entryCount,
                                       oidOffset: oidOffset, children: 0..<0))
            if subtreeCount > 0 { open.append((index, subtreeCount)) }
            while let last = open.last, last.remaining == 0 { open.removeLast() }
            guard subtreeCount <= end - pos else { return nil }  // each child takes bytes
        }
        guard open.isEmpty else { return nil }

        // Children grouped by parent (a counting sort on the parent, parse order within a group),
        // then each group sorted by name, bytewise (git keeps them by length, then name): the
        // groups are small, so this costs a fraction of sorting all nodes at once.
        let base = p.baseAddress!
        let count = nodes.count
        guard count > 1 else { return (nodes, []) }
        var starts = [Int](repeating: 0, count: count + 1)  // group of parent q: starts[q]..<starts[q + 1]
        for i in 1..<count { starts[parents[i] + 1] += 1 }
        for q in 0..<count { starts[q + 1] += starts[q] }
        var order = [Int](repeating: 0, count: count - 1)
        var next = starts
        for i in 1..<count {
            order[next[parents[i]]] = i
            next[parents[i]] += 1
        }
        func precedes(_ a: Int, _ b: Int) -> Bool {
            let x = nodes[a], y = nodes[b]
            let cmp = memcmp(base + x.nameStart, base + y.nameStart, min(x.nameCount, y.nameCount))
            return cmp != 0 ? cmp < 0 : x.nameCount < y.nameCount
        }
        for parent in 0..<count where starts[parent] < starts[parent + 1] {
            let group = starts[parent]..<starts[parent + 1]
            if group.count > 16 {
                order[group].sort(by: precedes)
            } else {
                // Insertion sort: most directories have a few subdirectories.
                for j in group.dropFirst() {
                    let node = order[j]
                    var k = j
                    while k > group.lowerBound, precedes(node, order[k - 1]) {
                        order[k] = order[k - 1]
                        k -= 1
                    }
                    order[k] = node
                }
            }
            // Two children with the same name: not a tree git would write.
            for j in group.dropFirst() {
                guard precedes(order[j - 1], order[j]) else { return nil }
            }
            nodes[parent].children = group
        }
        return (nodes, order)
    }
}

/// The stat data an index entry caches for its work-tree file (32-bit, as stored).
struct IndexStat: Equatable, Sendable {
    var mtimeSeconds: UInt32
    var mtimeNanoseconds: UInt32
    var fileSize: UInt32
}
