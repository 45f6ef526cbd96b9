import MoatBytes

/// The entries of one `PackFile` listed in pack (offset) order: where each starts, where the next
/// one starts (the real bound of its compressed data), its id, its delta base and its object type
/// once delta chains are followed.
///
/// This is what lets a history sweep decode trees and blobs in the order git wrote them, where a
/// delta's base is usually the entry just decoded (`PackObjectDecoder`), instead of libgit2's
/// one-object-at-a-time reads that resolve each delta chain again.
///
/// Everything is checked against the file's real size: an entry whose header or delta base does
/// not make sense gets type 0 (unknown) and is left to libgit2, which will report it.
final class PackLayout: @unchecked Sendable {  // immutable after init
    let file: PackFile
    var index: PackIndex { file.index }
    /// The mapped pack.
    var base: UnsafeRawPointer { file.base }

    /// Entry `k` in offset order: its offset, the end of its bytes (the next entry's offset), its
    /// position in the index (for its id), its object type (1 commit, 2 tree, 3 blob, 4 tag; 0
    /// unknown) and, for a delta, the entry of its base (-1 otherwise).
    let offsets: [Int]
    let ends: [Int]
    let positions: [Int32]
    let types: [UInt8]
    let deltaBases: [Int32]
    /// The entry of each index position (-1 for an offset outside the entries).
    let entryOfPosition: [Int32]

    var count: Int { offsets.count }

    /// Longest delta chain followed: git's own limit for `pack.depth` (default 50, `--aggressive` 250).
    static let maxChainDepth = 4095

    /// Lists the entries of `file` (a pack whose index failed validation lists none).
    init(file: PackFile) {
        self.file = file
        let index = file.index
        let bytes = file.base
        let end = file.entriesEnd
        // Entries in offset order; offsets outside the entries are dropped (their objects are then
        // not served from here).
        var order: [(offset: Int, position: Int32)] = []
        order.reserveCapacity(index.count)
        if file.indexIsValid {
            for i in 0..<index.count {
                guard let o = index.offset(at: i), o >= 12, o < end else { continue }
                order.append((o, Int32(i)))
            }
        }
        order.sort { $0.offset < $1.offset }
        let n = order.count
        var offsets = [Int](repeating: 0, count: n), ends = [Int](repeating: end, count: n)
        var positions = [Int32](repeating: 0, count: n)
        var entryOfPosition = [Int32](repeating: -1, count: index.count)
        for (k, e) in order.enumerated() {
            offsets[k] = e.offset
            positions[k] = e.position
            entryOfPosition[Int(e.position)] = Int32(k)
            if k > 0 { ends[k - 1] = e.offset }
        }
        self.offsets = offsets
        self.ends = ends
        self.positions = positions
        self.entryOfPosition = entryOfPosition

        // Types and delta bases. An OFS_DELTA base always lies before its delta, so one forward
        // pass settles those; REF_DELTA bases may lie anywhere and are settled after it.
        var types = [UInt8](repeating: 0, count: n)
        var bases = [Int32](repeating: -1, count: n)
        var refDeltas: [Int] = []
        for k in 0..<n {
            guard let header = PackEntry.parse(bytes, at: offsets[k], end: ends[k]) else { continue }
            switch header.kind {
            case .commit, .tree, .blob, .tag:
                types[k] = header.kind.rawValue
            case .offsetDelta:
                guard let baseOffset = file.offsetDeltaBase(entry: offsets[k], at: header.dataOffset, end: ends[k]),
                      let b = Self.search(offsets, baseOffset, below: k) else { continue }
                bases[k] = Int32(b)
                types[k] = types[b]
            case .referenceDelta:
                guard header.dataOffset + 20 <= ends[k] else { continue }
                let id = ObjectID(UnsafeRawBufferPointer(start: bytes + header.dataOffset, count: 20))
                guard let p = index.position(of: id), let o = index.offset(at: p), let b = Self.search(offsets, o, below: n), b != k
                else { continue }
                bases[k] = Int32(b)
                refDeltas.append(k)
            }
        }
        // Settle the rest (REF_DELTA entries, and OFS ones based on them) from their chains, which
        // may run through later entries: every entry on a path gets the type found at its end, so
        // each entry is visited once, and a cycle ends as unknown (0).
        if !refDeltas.isEmpty {
            var state = [UInt8](repeating: 0, count: n)  // 0 unvisited, 1 on the current path, 2 settled
            for k in 0..<n where types[k] != 0 || bases[k] < 0 { state[k] = 2 }
            var path: [Int] = []
            for start in 0..<n where state[start] == 0 {
                path.removeAll(keepingCapacity: true)
                var j = start
                while state[j] == 0 {
                    state[j] = 1
                    path.append(j)
                    j = Int(bases[j])
                }
                let type: UInt8 = state[j] == 2 ? types[j] : 0  // 1: a cycle
                for e in path {
                    types[e] = type
                    state[e] = 2
                }
            }
        }
        self.types = types
        self.deltaBases = bases
    }

    /// Opens and lists the pack at `packPath` (tests and tools; a sweep lists the repository's
    /// packs through its `PackStore`).
    convenience init?(packPath: PathBytes, index: PackIndex) {
        guard let file = PackFile(path: packPath, index: index) else { return nil }
        self.init(file: file)
    }

    /// The usable packs of these objects directories (see `PackStore`), listed.
    static func all(in objectDirectories: [PathBytes]) -> [PackLayout] {
        PackStore(objectDirectories: objectDirectories).packs.map(PackLayout.init(file:))
    }

    /// The entry holding object `id`, or nil.
    func entry(of id: ObjectID) -> Int? {
        guard let p = index.position(of: id) else { return nil }
        let k = entryOfPosition[p]
        return k >= 0 ? Int(k) : nil
    }

    /// The id of entry `k`.
    func id(_ k: Int) -> UnsafeRawPointer { index.idPointer(at: Int(positions[k])) }

    /// The entry at exactly `offset` among the first `limit` entries.
    private static func search(_ offsets: [Int], _ offset: Int, below limit: Int) -> Int? {
        var lo = 0, hi = limit
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < limit && offsets[lo] == offset ? lo : nil
    }

    /// Where an entry's zlib data starts: after the header and, for deltas, the base reference.
    func dataStart(_ k: Int) -> (header: PackEntry, data: Int)? {
        guard let header = PackEntry.parse(base, at: offsets[k], end: ends[k]) else { return nil }
        switch header.kind {
        case .offsetDelta:
            var p = header.dataOffset
            while p < ends[k], base.load(fromByteOffset: p, as: UInt8.self) & 0x80 != 0 { p += 1 }
            return (header, p + 1)
        case .referenceDelta:
            return (header, header.dataOffset + 20)
        default:
            return (header, header.dataOffset)
        }
    }
}
