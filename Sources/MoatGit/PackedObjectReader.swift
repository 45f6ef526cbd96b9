#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// Reads the beginning of blobs stored whole in git pack files, inflating only what is asked for.
///
/// libgit2 1.5 cannot stream packed objects (`git_odb_open_rstream` fails on them) and reading a
/// 1 GiB packed blob whole takes seconds and twice its size in memory. Format sniffers need only
/// the first kilobytes, so this finds the entry through the pack indexes and inflates its prefix.
///
/// Only whole ("undeltified") blob entries are served. Deltified entries (`OFS_DELTA`,
/// `REF_DELTA`) need their base object reconstructed first: for those this returns nil and the
/// caller reads the blob whole. git never deltifies blobs over `core.bigFileThreshold` (512 MiB by
/// default), so the biggest weight files, the ones a whole read hurts most, are always whole entries.
///
/// Packs are found under `<objects>/pack/*.idx`, and one level of `objects/info/alternates`.
/// Multi-pack indexes (`.midx`) are not read: the per-pack `.idx` files stay next to them.
/// `GIT_OBJECT_DIRECTORY` and `GIT_ALTERNATE_OBJECT_DIRECTORIES` are not consulted: an object found
/// only there is a miss, and the caller falls back to libgit2 (an id names one content, so a hit
/// is always right).
///
/// Not thread-safe (the list of packs is loaded lazily and refreshed): one per `GitRepository`.
final class PackedObjectReader {
    /// The objects directories searched: the repository's own, then its alternates.
    let objectDirectories: [PathBytes]
    private var packs: [Pack] = []
    private var stamps: [DirectoryStamp] = []
    private var loaded = false

    private struct Pack {
        let index: PackIndex
        let file: PackFile
    }

    /// A pack directory's modification time: when it changes, packs were added or removed.
    private struct DirectoryStamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
    }

    /// Reads the packs of `objectsDirectory` (e.g. `.git/objects`) and of its alternates.
    init(objectsDirectory: PathBytes) {
        var dirs = [objectsDirectory]
        for alternate in Self.alternates(of: objectsDirectory) where !dirs.contains(alternate) { dirs.append(alternate) }
        objectDirectories = dirs
    }

    /// The number of packs found (after the first lookup).
    var packCount: Int { packs.count }

    /// The pack entry of `id`, or nil when no known pack holds it (or its entry is corrupt).
    func entry(of id: ObjectID) -> (file: PackFile, entry: PackEntry)? {
        if !loaded { reload() }
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
            guard let position = pack.index.position(of: id) else { continue }
            // Found, but an unusable offset or header means this copy is corrupt: try other packs.
            if let offset = pack.index.offset(at: position), let entry = pack.file.entry(at: offset) {
                return (pack.file, entry)
            }
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
        loaded = true
        stamps = currentStamps()
        var previous: [PathBytes: Pack] = [:]
        for pack in packs { previous[pack.file.path] = pack }
        var found: [Pack] = []
        for dir in packDirectories {
            for name in Self.list(dir) where name.count > 4 && name.suffix(4).elementsEqual(".idx".utf8) {
                let packPath = dir.appending(Array(name.dropLast(4)) + Array(".pack".utf8))
                if let known = previous[packPath] { found.append(known); continue }
                guard let index = PackIndex(path: dir.appending(name)),
                      let file = PackFile(path: packPath, checksum: index.packChecksum, objectCount: index.count) else { continue }
                found.append(Pack(index: index, file: file))
            }
        }
        packs = found
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

/// The kind of a pack entry (the 3 type bits of its header).
enum PackEntryKind: UInt8, Sendable {
    case commit = 1, tree = 2, blob = 3, tag = 4, offsetDelta = 6, referenceDelta = 7

    var isDelta: Bool { self == .offsetDelta || self == .referenceDelta }
}

/// One entry's header: its kind, its inflated size (for a delta: the size of the delta data) and
/// where its zlib data starts.
struct PackEntry: Hashable, Sendable {
    let kind: PackEntryKind
    let size: Int
    let offset: Int
    let dataOffset: Int
}

/// An open `.pack` file, read with `pread`. Immutable after opening.
final class PackFile: @unchecked Sendable {
    let path: PathBytes
    /// The file's size in bytes.
    let size: Int
    private let fd: Int32

    /// The end of the entries: the file ends with a 20-byte SHA-1 of everything before it.
    var entriesEnd: Int { size - 20 }

    /// Opens a pack and checks its header (`PACK`, version 2 or 3, `objectCount` objects) and that
    /// it ends with `checksum` (the value its index recorded), so an index is never applied to a
    /// different or truncated pack.
    init?(path: PathBytes, checksum: [UInt8], objectCount: Int) {
        let fd = open(path.cString, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= 32 else { close(fd); return nil }
        self.fd = fd
        self.path = path
        self.size = Int(st.st_size)
        guard let header = read(at: 0, count: 12), header.count == 12,
              header[0..<4].elementsEqual("PACK".utf8),
              let version = header.beUInt32(at: 4), version == 2 || version == 3,
              let count = header.beUInt32(at: 8), Int(count) == objectCount,
              let trailer = read(at: size - 20, count: 20), trailer == checksum
        else { return nil }  // deinit closes fd
    }

    deinit { close(fd) }

    /// Reads up to `count` bytes at `offset` (fewer at the end of the file); nil on an I/O error.
    func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size else { return nil }
        var out = [UInt8](repeating: 0, count: min(count, size - offset))
        let got = out.withUnsafeMutableBytes { read(into: $0, at: offset, limit: size) }
        guard got >= 0 else { return nil }
        out.removeLast(out.count - got)
        return out
    }

    /// Fills `buffer` from `offset`, never past `limit`; returns the bytes read (0 at the limit),
    /// or -1 on an I/O error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, limit: Int) -> Int {
        let end = min(limit, size)
        guard offset >= 0, offset <= end else { return -1 }
        let n = min(buffer.count, end - offset)
        var done = 0
        while done < n {
            let r = pread(fd, buffer.baseAddress! + done, n - done, off_t(offset + done))
            if r < 0 { if errno == EINTR { continue }; return -1 }
            if r == 0 { break }  // the file shrank under us
            done += r
        }
        return done
    }

    /// The entry header at `offset` (`PackEntry.parse`); nil when the offset is outside the entries
    /// or the header is malformed.
    func entry(at offset: Int) -> PackEntry? {
        guard offset >= 12, offset < entriesEnd, let bytes = read(at: offset, count: min(16, entriesEnd - offset)) else { return nil }
        return bytes.withUnsafeBytes { PackEntry.parse($0.baseAddress!, at: 0, end: $0.count, shiftedBy: offset) }
    }
}

extension PackEntry {
    /// Parses the entry header at `bytes + at`, reading nothing at or past `end`: the type in bits
    /// 4-6 of the first byte, the size in its low 4 bits continued by 7-bit groups while the top
    /// bit is set. Offsets in the result are shifted by `shift` (where `bytes` sits in the pack).
    static func parse(_ bytes: UnsafeRawPointer, at: Int, end: Int, shiftedBy shift: Int = 0) -> PackEntry? {
        guard at < end else { return nil }
        let first = bytes.load(fromByteOffset: at, as: UInt8.self)
        guard let kind = PackEntryKind(rawValue: (first >> 4) & 7) else { return nil }
        var size = UInt64(first & 0x0F)
        var bits: UInt64 = 4
        var p = at, byte = first
        while byte & 0x80 != 0 {
            p += 1
            guard p < end, bits <= 53 else { return nil }  // sizes stay below 2^60
            byte = bytes.load(fromByteOffset: p, as: UInt8.self)
            size |= UInt64(byte & 0x7F) << bits
            bits += 7
        }
        return PackEntry(kind: kind, size: Int(size), offset: at + shift, dataOffset: p + 1 + shift)
    }
}

/// The start of a blob stored whole in a pack, inflated on demand: a sequential source that keeps
/// at most `cap` bytes (reads beyond the cap return nil), reading compressed input in 64 KiB steps.
/// One zlib stream lives across reads, so growing the prefix step by step inflates each byte once.
public final class PackedBlobSource: ByteSource {
    /// The blob's real size, from the pack entry header.
    public let size: Int
    public var isRandomAccess: Bool { false }
    /// Inflated bytes produced (and held) so far.
    public var bytesRead: Int { stream.bytesRead }
    /// Compressed bytes read from the pack file so far.
    public var compressedBytesRead: Int { inflater.compressedBytesRead }

    private let stream: StreamByteSource
    private let inflater: InflateStream

    static let inputChunk = 64 << 10

    /// nil when the entry's data is not a valid zlib stream (its first bytes do not inflate).
    init?(file: PackFile, entry: PackEntry, cap: Int) {
        var cursor = entry.dataOffset
        let limit = file.entriesEnd
        guard let inflater = InflateStream(wrapper: .zlib, inputChunk: Self.inputChunk, refill: { buffer in
            let n = file.read(into: buffer, at: cursor, limit: limit)
            if n > 0 { cursor += n }
            return n
        }) else { return nil }
        let total = entry.size
        self.size = total
        self.inflater = inflater
        self.stream = StreamByteSource(size: total, cap: cap) { buffer, wanted in
            // Never more than the header declared, whatever the stream holds.
            let room = total - inflater.totalOut
            guard room > 0 else { return false }
            let got = inflater.inflate(appendingTo: &buffer, upTo: min(wanted, room))
            return got > 0 && inflater.state == .running
        }
        let probe = min(total, 1)
        guard probe == 0 || stream.read(at: 0, count: probe)?.count == probe else { return nil }
    }

    public func read(at offset: Int, count: Int) -> [UInt8]? { stream.read(at: offset, count: count) }
}

extension Array where Element == UInt8 {
    fileprivate func beUInt32(at i: Int) -> UInt32? {
        guard i >= 0, i + 4 <= count else { return nil }
        return UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }
}
