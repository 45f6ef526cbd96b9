#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// The packs of a repository, listed once: `<objects>/pack/*.idx` with their `.pack` files
/// (`PackFile`, mapped and validated), for the repository's objects directory and one level of
/// `objects/info/alternates`.
///
/// Listed when the repository's object database is opened, before libgit2 reads any object, so
/// that a pack whose index is corrupt (`PackFile.indexIsValid`) is fenced off first
/// (`DamagedPackGuard`). Serves the prefix reader of big packed blobs (`entry(of:)`,
/// `PackedBlobSource`) and the pack-order sweep of history (`packs`, `PackLayout`).
///
/// Multi-pack indexes (`.midx`) are not read: the per-pack `.idx` files stay next to them.
/// The directories git names in the environment (`GIT_OBJECT_DIRECTORY`,
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES`: a pre-receive quarantine) are searched first when the
/// repository was opened from it (`ObjectDirectories`). An object found nowhere here is a miss,
/// and the caller falls back to libgit2 (an id names one content, so a hit is always right).
///
/// Not thread-safe (the list is refreshed when the pack directories change): one per `GitRepository`.
final class PackStore {
    /// The objects directories searched: the repository's own, then its alternates.
    let objectDirectories: [PathBytes]
    /// The usable packs, in directory-listing order.
    private(set) var packs: [PackFile] = []
    /// Packs whose index holds an offset outside the pack: never read.
    private(set) var damaged: [PackFile] = []
    /// Indexes next to a pack that are not valid indexes (a count past the file, a fanout that
    /// decreases, a size that fits no table): libgit2 1.5 may still open them, with sizes computed in
    /// 32 bits, and read outside the file (found by fuzzing). Their ids are unknown, so no read is
    /// safe while one is there (`DamagedPackGuard`).
    private(set) var unreadableIndexes: [PathBytes] = []
    private var stamps: [DirectoryStamp] = []

    /// A pack directory's modification time: when it changes, packs were added or removed.
    private struct DirectoryStamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
    }

    /// The packs of `objectsDirectory` (e.g. `.git/objects`) and of its alternates.
    convenience init(objectsDirectory: PathBytes) {
        var dirs = [objectsDirectory]
        for alternate in Self.alternates(of: objectsDirectory) where !dirs.contains(alternate) { dirs.append(alternate) }
        self.init(objectDirectories: dirs)
    }

    /// The packs of exactly these objects directories.
    init(objectDirectories: [PathBytes]) {
        self.objectDirectories = objectDirectories
        reload()
    }

    /// Whether `id`'s delta chain in the packs comes back to an entry it already passed (a REF_DELTA
    /// based on itself, or on an object whose chain leads back): libgit2 1.5 never returns from
    /// reading such an object (found by fuzzing). OFS_DELTA bases lie strictly before their entry,
    /// so only REF_DELTA links can close a loop. At most `limit` links are followed. Asked for every
    /// object libgit2 reads (loose ones too), so it never re-lists the pack directories.
    func deltaChainLoops(_ id: ObjectID, limit: Int = 10_000) -> Bool {
        struct Position: Hashable { let pack: ObjectIdentifier; let offset: Int }
        guard var at = find(id) else { return false }
        var seen = Set<Position>()
        for _ in 0..<limit {
            guard seen.insert(Position(pack: ObjectIdentifier(at.file), offset: at.entry.offset)).inserted else { return true }
            switch at.entry.kind {
            case .offsetDelta:
                guard let b = at.file.offsetDeltaBase(entry: at.entry.offset, at: at.entry.dataOffset,
                                                      end: min(at.file.entriesEnd, at.entry.dataOffset + 16)),
                      let e = at.file.entry(at: b) else { return false }
                at = (at.file, e)
            case .referenceDelta:
                guard at.entry.dataOffset >= 0, at.entry.dataOffset + 20 <= at.file.entriesEnd else { return false }
                let base = ObjectID(UnsafeRawBufferPointer(start: at.file.base + at.entry.dataOffset, count: 20))
                guard let next = find(base) else { return false }
                at = next
            default:
                return false
            }
        }
        return true
    }

    /// The pack entry of `id`, or nil when no usable pack holds it (or its entry is corrupt).
    func entry(of id: ObjectID) -> (file: PackFile, entry: PackEntry)? {
        if let hit = find(id) { return hit }
        // A repack or fetch since the list was read: look again, once per change.
        if currentStamps() != stamps {
            reload()
            return find(id)
        }
        return nil
    }

    /// A source over the start of blob `id` when it is stored whole in a pack; nil when it is not
    /// packed, is deltified, is not a blob, its size differs from `expectedSize`, or the pack is
    /// corrupt. At most `cap` inflated bytes are ever held.
    func blobSource(_ id: ObjectID, expectedSize: Int?, cap: Int) -> PackedBlobSource? {
        guard let (file, entry) = entry(of: id), entry.kind == .blob else { return nil }
        if let expectedSize, expectedSize != entry.size { return nil }
        return PackedBlobSource(file: file, entry: entry, cap: cap)
    }

    private func find(_ id: ObjectID) -> (file: PackFile, entry: PackEntry)? {
        for pack in packs {
            // Found, but an unusable header means this copy is corrupt: try other packs.
            if let entry = pack.entry(of: id) { return (pack, entry) }
        }
        return nil
    }

    private var packDirectories: [PathBytes] { objectDirectories.map { $0.appending(Array("pack".utf8)) } }

    private func currentStamps() -> [DirectoryStamp] {
        packDirectories.map { dir in
            var st = stat()
            guard stat(dir.cString, &st) == 0 else { return DirectoryStamp(seconds: -1, nanoseconds: 0) }
            return DirectoryStamp(seconds: Int(st.st_mtim.tv_sec), nanoseconds: Int(st.st_mtim.tv_nsec))
        }
    }

    private func reload() {
        stamps = currentStamps()
        var previous: [PathBytes: PackFile] = [:]
        for pack in packs + damaged { previous[pack.path] = pack }
        var found: [PackFile] = [], bad: [PackFile] = [], unreadable: [PathBytes] = []
        for dir in packDirectories {
            for name in Self.list(dir) where name.count > 4 && name.suffix(4).elementsEqual(".idx".utf8) {
                let packPath = dir.appending(Array(name.dropLast(4)) + Array(".pack".utf8))
                if let pack = previous[packPath] {
                    if pack.indexIsValid { found.append(pack) } else { bad.append(pack) }
                    continue
                }
                guard let index = PackIndex(path: dir.appending(name)) else {
                    // libgit2 skips an index whose pack is missing; it opens any other.
                    var st = stat()
                    if stat(packPath.cString, &st) == 0 { unreadable.append(dir.appending(name)) }
                    continue
                }
                guard let pack = PackFile(path: packPath, index: index) else { continue }
                if pack.indexIsValid { found.append(pack) } else { bad.append(pack) }
            }
        }
        packs = found
        damaged = bad
        unreadableIndexes = unreadable
    }

    /// The names in a directory, sorted (newest-first ordering is not needed: any copy is right).
    static func list(_ dir: PathBytes) -> [[UInt8]] {
        guard let handle = opendir(dir.cString) else { return [] }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw -> [UInt8] in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The directories listed in `<objects>/info/alternates` (absolute, or relative to `objects`),
    /// one level deep; comments, blank and quoted lines are skipped.
    static func alternates(of objects: PathBytes) -> [PathBytes] {
        let path = objects.appending(Array("info/alternates".utf8))
        guard let file = try? FileByteSource(path: path), let text = file.read(at: 0, count: min(file.size, 1 << 20)) else { return [] }
        var result: [PathBytes] = []
        for raw in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var line = Array(raw)
            while let last = line.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") { line.removeLast() }
            guard let first = line.first, first != UInt8(ascii: "#"), first != UInt8(ascii: "\"") else { continue }
            let dir = first == UInt8(ascii: "/") ? PathBytes(line) : objects.appending(line)
            result.append(dir.withoutTrailingSlash)
        }
        return result
    }
}
