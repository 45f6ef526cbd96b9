#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// One `.pack` file mapped read-only next to its index, checked once when it is opened: the
/// header (`PACK`, version 2 or 3, as many objects as the index lists), the trailing checksum the
/// index recorded (so an index is never applied to another or a truncated pack), and every offset
/// of the index against the pack's real size (`indexIsValid`).
///
/// The one reader of pack bytes: the prefix reader of big blobs (`PackedBlobSource`), the entry
/// table of a history sweep (`PackLayout`) and the pack-order decoder (`PackObjectDecoder`) all
/// read through it. Immutable after opening.
final class PackFile: @unchecked Sendable {
    let path: PathBytes
    let index: PackIndex
    /// The mapped file.
    let base: UnsafeRawPointer
    /// The file's size in bytes.
    let size: Int
    /// false when an offset of the index lies outside the entries (or its large-offset slot is
    /// missing). libgit2 1.5 trusts those offsets and crashes on them (`git_odb_read_header`,
    /// SIGSEGV), so such a pack is never read: its objects are refused before libgit2 sees them
    /// (`DamagedPackGuard`) and count as unreadable.
    let indexIsValid: Bool

    /// The end of the entries: the file ends with a 20-byte SHA-1 of everything before it.
    var entriesEnd: Int { size - 20 }

    private let mapping: UnsafeMutableRawPointer

    /// Maps the pack at `path` described by `index`; nil when it is missing, is not a pack, does
    /// not match the index (object count, checksum) or cannot be mapped.
    init?(path: PathBytes, index: PackIndex) {
        guard let (map, size) = FileIO.mapReadOnly(path, minimumSize: 32) else { return nil }
        let bytes = UnsafeRawPointer(map)
        let version = BigEndian.uint32(bytes, at: 4)
        // Entry numbers are 32-bit (`PackLayout`); a pack of 2^31 objects is beyond any real repository.
        guard memcmp(bytes, "PACK", 4) == 0, version == 2 || version == 3, Int(BigEndian.uint32(bytes, at: 8)) == index.count,
              index.count < Int(Int32.max),
              index.packChecksum.withUnsafeBytes({ memcmp(bytes + (size - 20), $0.baseAddress!, 20) }) == 0
        else {
            munmap(map, size)
            return nil
        }
        self.mapping = map
        self.base = bytes
        self.size = size
        self.path = path
        self.index = index
        self.indexIsValid = index.offsetsAll(from: 12, below: size - 20)
    }

    deinit { munmap(mapping, size) }

    /// The entry header at `offset` (`PackEntry.parse`); nil when the offset is outside the
    /// entries or the header is malformed.
    func entry(at offset: Int) -> PackEntry? {
        guard offset >= 12, offset < entriesEnd else { return nil }
        return PackEntry.parse(base, at: offset, end: min(entriesEnd, offset + 16))
    }

    /// The entry of object `id`, or nil when the pack does not hold it or its entry is unusable.
    func entry(of id: ObjectID) -> PackEntry? {
        guard indexIsValid, let offset = index.offset(of: id) else { return nil }
        return entry(at: offset)
    }

    /// Copies bytes from `offset` into `buffer`, never past `limit` (nor the file's end): the bytes
    /// copied, 0 at the limit, -1 for an offset outside the file.
    func copy(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, limit: Int) -> Int {
        let end = min(limit, size)
        guard offset >= 0, offset <= end, let target = buffer.baseAddress else { return -1 }
        let n = min(buffer.count, end - offset)
        target.copyMemory(from: base + offset, byteCount: n)
        return n
    }

    /// The base offset of an OFS_DELTA entry at `entry`, its offset encoding at `start..<end`: a
    /// big-endian base-128 number where each continuation adds one, subtracted from the entry's
    /// offset.
    func offsetDeltaBase(entry: Int, at start: Int, end: Int) -> Int? {
        var p = start
        guard p < end else { return nil }
        var byte = base.load(fromByteOffset: p, as: UInt8.self)
        var distance = Int(byte & 0x7F)
        while byte & 0x80 != 0 {
            p += 1
            guard p < end, distance < (1 << 55) else { return nil }
            byte = base.load(fromByteOffset: p, as: UInt8.self)
            distance = ((distance + 1) << 7) | Int(byte & 0x7F)
        }
        guard distance > 0, distance <= entry - 12 else { return nil }
        return entry - distance
    }
}

/// The kind of a pack entry (the 3 type bits of its header).
enum PackEntryKind: UInt8, Sendable {
    case commit = 1, tree = 2, blob = 3, tag = 4, offsetDelta = 6, referenceDelta = 7

    var isDelta: Bool { self == .offsetDelta || self == .referenceDelta }
}

/// One entry's header: its kind, its inflated size (for a delta: the size of the delta data) and
/// where its zlib data (for a delta: its base reference) starts.
struct PackEntry: Hashable, Sendable {
    let kind: PackEntryKind
    let size: Int
    let offset: Int
    let dataOffset: Int

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
