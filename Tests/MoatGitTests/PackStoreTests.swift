import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

final class PackStoreTests: XCTestCase {
    /// 40 MB of deterministic float32-like values (small magnitudes, random mantissas): about as
    /// compressible as real weights, i.e. barely.
    private static let weights: [UInt8] = floats(count: 10_000_000, seed: 0x9E37_79B9_7F4A_7C15)

    private static func floats(count: Int, seed: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count * 4)
        var x = seed
        out.withUnsafeMutableBytes { raw in
            for i in 0..<count {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                let r = UInt32(truncatingIfNeeded: x)
                let bits = (r & 0x8000_0000) | ((118 + (r >> 23) & 7) << 23) | (r & 0x007F_FFFF)
                raw.storeBytes(of: bits.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        return out
    }

    private func blobID(_ scratch: Scratch, _ repo: String, _ spec: String) throws -> ObjectID {
        try XCTUnwrap(ObjectID(hex: try scratch.git(["rev-parse", spec], in: repo).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private func packFiles(_ repo: String, _ suffix: String) throws -> [String] {
        let dir = repo + "/.git/objects/pack"
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(suffix) }.sorted().map { dir + "/" + $0 }
    }

    /// Overwrites bytes of a (read-only) file in place, or truncates it.
    private func patch(_ path: String, at offset: Int, _ bytes: [UInt8]? = nil, truncateTo length: Int? = nil) throws {
        XCTAssertEqual(chmod(path, 0o644), 0)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        if let bytes {
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data(bytes))
        }
        if let length { try handle.truncate(atOffset: UInt64(length)) }
    }

    // MARK: real repositories

    func testRepackedBigBlobIsReadFromItsPackPrefixOnly() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = Self.weights
        try scratch.write("repo/model.bin", content)
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "weights"], in: repo)
        try scratch.git(["gc", "-q"], in: repo)
        let id = try blobID(scratch, repo, "HEAD:model.bin")
        let packSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: try packFiles(repo, ".pack")[0])[.size] as? Int)
        XCTAssertGreaterThan(packSize, 30_000_000)

        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertNil(repository.streamBlob(id, cap: 1024), "packed objects cannot be streamed by libgit2")
        let source = try XCTUnwrap(repository.packedBlobSource(id, size: content.count))
        XCTAssertEqual(source.size, content.count)
        XCTAssertFalse(source.isRandomAccess)
        XCTAssertEqual(source.read(at: 0, count: 65_536), Array(content[0..<65_536]))
        XCTAssertLessThanOrEqual(source.bytesRead, 128 << 10, "only the prefix is inflated")
        XCTAssertLessThanOrEqual(source.compressedBytesRead, 256 << 10, "only the prefix is read from a \(packSize)-byte pack")
        XCTAssertEqual(source.read(at: 1 << 20, count: 4096), Array(content[(1 << 20)..<((1 << 20) + 4096)]))
        XCTAssertLessThan(source.compressedBytesRead, 2 << 20)
        XCTAssertEqual(source.read(at: 100, count: 10), Array(content[100..<110]), "earlier ranges are kept")
        // The end, inflating everything: the stream is exact and stops at the declared size.
        XCTAssertEqual(source.read(at: content.count - 10, count: 100), Array(content[(content.count - 10)...]))
        XCTAssertEqual(source.read(at: content.count, count: 1), [])

        // A smaller cap refuses reads beyond it instead of holding more.
        let capped = try XCTUnwrap(repository.packedBlobSource(id, cap: 1 << 20))
        XCTAssertNil(capped.read(at: 2 << 20, count: 10))
        XCTAssertEqual(capped.read(at: 0, count: 16), Array(content[0..<16]))
        XCTAssertNil(repository.packedBlobSource(id, size: content.count - 1), "a size that disagrees with the entry is refused")

        // The general entry point picks the pack reader for big blobs and a whole read for small ones.
        XCTAssertTrue(try repository.blobSource(id, size: content.count, wholeReadLimit: 8 << 20) is PackedBlobSource)
        let small = try repository.blobSource(id, size: content.count, wholeReadLimit: content.count)
        XCTAssertTrue(small is MemoryByteSource)
        XCTAssertEqual(small.read(at: 1 << 20, count: 8), Array(content[(1 << 20)..<((1 << 20) + 8)]))
        XCTAssertTrue(repository.packStore() === repository.packStore(), "one pack reader per repository")
    }

    func testBlobAddedOverBigFileThresholdIsReadFromThePackGitAddWrote() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = Self.weights
        try scratch.write("repo/model.bin", content)
        try scratch.git(["-c", "core.bigFileThreshold=1m", "add", "."], in: repo)
        XCTAssertEqual(try packFiles(repo, ".idx").count, 1)
        let source = try StagedSource(repository: GitRepository.open(at: repo, fromEnvironment: false))
        let bytes = try source.content(of: source.blobs[0])
        let packed = try XCTUnwrap(bytes as? PackedBlobSource)
        XCTAssertEqual(packed.read(at: 0, count: 65_536), Array(content[0..<65_536]))
        XCTAssertEqual(packed.read(at: 1 << 20, count: 4096), Array(content[(1 << 20)..<((1 << 20) + 4096)]))
        XCTAssertLessThan(packed.compressedBytesRead, 2 << 20)
        XCTAssertLessThan(packed.bytesRead, 2 << 20)
    }

    func testDeltifiedEntryIsRefusedAndTheFallbackReadsItWhole() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let base = Self.floats(count: 300_000, seed: 42)  // 1.2 MB
        var similar = base
        for i in stride(from: 1000, to: similar.count, by: 100_000) { similar[i] ^= 0x5A }
        try scratch.write("repo/a.bin", base + Array(repeating: 7, count: 4096))  // bigger: the delta base
        try scratch.write("repo/b.bin", similar)
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "two similar files"], in: repo)
        try scratch.git(["repack", "-adf", "--window=10", "-q"], in: repo)
        let a = try blobID(scratch, repo, "HEAD:a.bin"), b = try blobID(scratch, repo, "HEAD:b.bin")

        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let reader = try XCTUnwrap(repository.packStore())
        let kinds = [try XCTUnwrap(reader.entry(of: a)).entry.kind, try XCTUnwrap(reader.entry(of: b)).entry.kind]
        XCTAssertEqual(kinds.filter(\.isDelta).count, 1, "git deltified one of the two: \(kinds)")
        let (deltified, content) = kinds[0].isDelta ? (a, base + Array(repeating: 7, count: 4096)) : (b, similar)
        let whole = kinds[0].isDelta ? b : a

        XCTAssertNil(repository.packedBlobSource(deltified))
        XCTAssertNotNil(repository.packedBlobSource(whole))
        let fallback = try repository.blobSource(deltified, size: content.count, wholeReadLimit: 1024)
        XCTAssertTrue(fallback is MemoryByteSource)
        XCTAssertEqual(fallback.read(at: 0, count: content.count), content)
    }

    func testAlternatesAreFollowedOneLevel() throws {
        let scratch = try Scratch()
        let origin = try scratch.initRepository("origin")
        let content = Self.floats(count: 50_000, seed: 7)
        try scratch.write("origin/w.bin", content)
        try scratch.git(["add", "."], in: origin)
        try scratch.git(["commit", "-qm", "w"], in: origin)
        try scratch.git(["repack", "-adq"], in: origin)
        try scratch.git(["clone", "-q", "--shared", origin, scratch.path("clone")], in: scratch.root)
        let clone = scratch.path("clone")
        XCTAssertTrue(FileManager.default.fileExists(atPath: clone + "/.git/objects/info/alternates"))
        let id = try blobID(scratch, clone, "HEAD:w.bin")

        let repository = try GitRepository.open(at: clone, fromEnvironment: false)
        let source = try XCTUnwrap(repository.packedBlobSource(id, size: content.count))
        XCTAssertEqual(source.read(at: 0, count: content.count), content)
        XCTAssertEqual(repository.packStore()?.objectDirectories.count, 2)
    }

    func testPacksWrittenAfterTheFirstLookupAreFound() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/one.bin", Self.floats(count: 1000, seed: 1))
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "one"], in: repo)
        try scratch.git(["repack", "-adq"], in: repo)
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertNotNil(repository.packedBlobSource(try blobID(scratch, repo, "HEAD:one.bin")))

        let two = Self.floats(count: 1000, seed: 2)
        try scratch.write("repo/two.bin", two)
        try scratch.git(["-c", "core.bigFileThreshold=1k", "add", "."], in: repo)  // a new pack
        let source = try XCTUnwrap(repository.packedBlobSource(try blobID(scratch, repo, ":two.bin")))
        XCTAssertEqual(source.read(at: 0, count: two.count), two)
    }

    func testCorruptIndexesAndPacksAreRefusedWithoutCrashing() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = Self.floats(count: 200_000, seed: 3)
        try scratch.write("repo/w.bin", content)
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "w"], in: repo)
        try scratch.git(["repack", "-adq"], in: repo)
        let id = try blobID(scratch, repo, "HEAD:w.bin")
        let idx = try packFiles(repo, ".idx")[0], pack = try packFiles(repo, ".pack")[0]
        let idxBytes = Array(try Data(contentsOf: URL(fileURLWithPath: idx)))
        let packBytes = Array(try Data(contentsOf: URL(fileURLWithPath: pack)))
        let entryOffset = try XCTUnwrap(PackIndex(bytes: idxBytes)?.offset(of: id))

        func restore() throws {
            // Atomically (a new file), as git does: readers of the old one keep a valid mapping.
            try Data(idxBytes).write(to: URL(fileURLWithPath: idx), options: .atomic)
            try Data(packBytes).write(to: URL(fileURLWithPath: pack), options: .atomic)
        }
        // The packs are listed (and mapped) when the repository is opened: damage them first.
        func open() throws -> GitRepository { try GitRepository.open(at: repo, fromEnvironment: false) }
        func fresh() throws -> GitRepository {
            try restore()
            return try open()
        }
        XCTAssertEqual(try fresh().packedBlobSource(id)?.read(at: 0, count: 64), Array(content[0..<64]))

        // Index: truncated, bad magic, fanout going down, a count larger than the file.
        for (at, bytes, length) in [(0, nil, idxBytes.count / 2), (0, [0xFF, 0x74, 0x4F, 0x00], nil),
                                    (8 + 4 * 100, [0xFF, 0xFF, 0xFF, 0xFF], nil), (8 + 4 * 255, [0x7F, 0xFF, 0xFF, 0xFF], nil)] as [(Int, [UInt8]?, Int?)] {
            try restore()
            try patch(idx, at: at, bytes, truncateTo: length)
            let repository = try open()
            XCTAssertNil(PackIndex(path: PathBytes(idx)), "index patched at \(at)")
            XCTAssertNil(repository.packedBlobSource(id))
        }
        // An offset past the end of the pack, and one naming a missing large-offset entry.
        let position = try XCTUnwrap(PackIndex(bytes: idxBytes)?.position(of: id))
        let offsetField = 8 + 1024 + (try XCTUnwrap(PackIndex(bytes: idxBytes)?.count)) * 24 + 4 * position
        for bad: [UInt8] in [[0x7F, 0xFF, 0xFF, 0xF0], [0x80, 0x00, 0x00, 0x05], [0x00, 0x00, 0x00, 0x03]] {
            var patched = idxBytes
            patched.replaceSubrange(offsetField..<(offsetField + 4), with: bad)
            XCTAssertNotNil(PackIndex(bytes: patched))
            try restore()
            try patch(idx, at: offsetField, bad)
            let repository = try open()
            XCTAssertNil(repository.packedBlobSource(id), "offset \(bad)")
        }
        // Pack: truncated (its trailer no longer matches the index), bad header, an entry header
        // whose size never ends, garbage where the zlib stream starts, garbage inside it.
        do {
            try restore()
            try patch(pack, at: 0, truncateTo: packBytes.count / 2)
            let repository = try open()
            XCTAssertNil(repository.packedBlobSource(id))
        }
        do {
            try restore()
            try patch(pack, at: 0, Array("KCAP".utf8))
            let repository = try open()
            XCTAssertNil(repository.packedBlobSource(id))
        }
        do {
            try restore()
            try patch(pack, at: entryOffset, [UInt8](repeating: 0xBF, count: 16))
            let repository = try open()
            XCTAssertNil(repository.packedBlobSource(id))
        }
        let header = try XCTUnwrap(try fresh().packStore()?.entry(of: id)?.entry)
        XCTAssertEqual(header.kind, .blob)
        XCTAssertEqual(header.size, content.count)
        do {
            try restore()
            try patch(pack, at: header.dataOffset, [0x12, 0x34, 0x56, 0x78])
            let repository = try open()
            XCTAssertNil(repository.packedBlobSource(id), "not a zlib stream")
        }
        do {
            try restore()
            try patch(pack, at: header.dataOffset + 300_000, [UInt8](repeating: 0xFF, count: 4096))
            let repository = try open()
            let source = try XCTUnwrap(repository.packedBlobSource(id))
            XCTAssertEqual(source.read(at: 0, count: 1000), Array(content[0..<1000]))
            let tail = source.read(at: 0, count: content.count)
            XCTAssertLessThan(tail?.count ?? 0, content.count, "a broken stream ends early")
            XCTAssertNotNil(source.readFailure, "and says so")
        }
    }

    // MARK: synthetic indexes and packs

    func testLargeOffsetTable() throws {
        let a = testOID(0x00, 1), b = testOID(0x7F, 2), c = testOID(0x7F, 3), d = testOID(0xFF, 4), e = testOID(0xA0, 5)
        let bytes = packIndexBytes([(a.bytes, 12), (b.bytes, 0x8000_0000), (c.bytes, 0x8000_0001), (d.bytes, 0x7FFF_FFFF), (e.bytes, 0x8000_0002)],
                          large: [0x1_0000_0000, 0x0000_0000_C000_0000])
        let idx = try XCTUnwrap(PackIndex(bytes: bytes))
        XCTAssertEqual(idx.count, 5)
        XCTAssertEqual(idx.packChecksum, Array(repeating: 0xAB, count: 20))
        XCTAssertEqual(idx.offset(of: a), 12)
        XCTAssertEqual(idx.offset(of: b), 0x1_0000_0000, "4 GiB, from the large-offset table")
        XCTAssertEqual(idx.offset(of: c), 0xC000_0000, "3 GiB")
        XCTAssertEqual(idx.offset(of: d), 0x7FFF_FFFF)
        XCTAssertNotNil(idx.position(of: e))
        XCTAssertNil(idx.offset(of: e), "index 2 is past the 2-entry table")
        XCTAssertNil(idx.offset(of: testOID(0x7F, 9)))
        XCTAssertNil(idx.offset(of: testOID(0x01, 1)))
        XCTAssertEqual(idx.id(at: 0), a.bytes)
        XCTAssertNil(idx.id(at: 5))

        // Bytes past the last whole 8-byte slot are ignored, as libgit2 ignores them (an index it
        // opens must be listed, so that bad offsets in it are fenced: DamagedObjectTests).
        let cut = try XCTUnwrap(PackIndex(bytes: Array(bytes.dropLast(4))))
        XCTAssertEqual(cut.offset(of: b), 0x1_0000_0000)
        XCTAssertNil(cut.offset(of: c), "its slot is no longer whole")
        XCTAssertNil(PackIndex(bytes: Array(bytes.prefix(1000))))
        XCTAssertNil(PackIndex(bytes: []))
        var descending = bytes
        descending[8 + 4 * 0x80 + 3] = 0  // fanout[0x80] below fanout[0x7F]
        XCTAssertNil(PackIndex(bytes: descending))
        var v3 = bytes
        v3[7] = 3
        XCTAssertNil(PackIndex(bytes: v3))
    }

    func testVersion1Index() throws {
        let a = testOID(0x10, 1), b = testOID(0x10, 2)
        var out: [UInt8] = []
        func be32(_ v: UInt32) { out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        for i in 0..<256 { be32(i < 0x10 ? 0 : 2) }
        be32(12); out += a.bytes
        be32(400); out += b.bytes
        out += Array(repeating: 0xAB, count: 20) + Array(repeating: 0xCD, count: 20)
        let idx = try XCTUnwrap(PackIndex(bytes: out))
        XCTAssertEqual(idx.offset(of: a), 12)
        XCTAssertEqual(idx.offset(of: b), 400)
        XCTAssertNil(idx.offset(of: testOID(0x10, 3)))
        XCTAssertNil(PackIndex(bytes: out + [0]))
    }

    /// Writes `<n>/objects/pack/pack-x.{pack,idx}` holding one entry for `id` at offset 12.
    private func syntheticPack(_ scratch: Scratch, _ entry: [UInt8], id: ObjectID) throws -> PackStore {
        let checksum = Array(repeating: UInt8(0x5C), count: 20)
        let pack = Array("PACK".utf8) + [0, 0, 0, 2, 0, 0, 0, 1] + entry + checksum
        let objects = scratch.path(UUID().uuidString + "/objects"), dir = objects + "/pack"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(pack).write(to: URL(fileURLWithPath: dir + "/pack-x.pack"))
        try Data(packIndexBytes([(id.bytes, 12)], large: [], packChecksum: checksum)).write(to: URL(fileURLWithPath: dir + "/pack-x.idx"))
        return PackStore(objectsDirectory: PathBytes(objects))
    }

    func testSyntheticEntriesAreBoundedByTheirDeclaredSize() throws {
        let id = testOID(0x42, 0x42)
        let scratch = try Scratch()
        let data = Array("0123456789".utf8)
        // Blob, size 10: 0x3A (type 3, size 10, no continuation).
        let exact = try XCTUnwrap(try syntheticPack(scratch, [0x3A] + storedZlib(data), id: id).blobSource(id, expectedSize: 10, cap: 100))
        XCTAssertEqual(exact.read(at: 0, count: 100), data)
        XCTAssertNil(exact.readFailure)
        // Size 5 declared, 10 in the stream: never more than 5.
        let short = try XCTUnwrap(try syntheticPack(scratch, [0x35] + storedZlib(data), id: id).blobSource(id, expectedSize: nil, cap: 100))
        XCTAssertEqual(short.size, 5)
        XCTAssertEqual(short.read(at: 0, count: 100), Array(data[0..<5]))
        XCTAssertEqual(short.readFailure, "the data runs past its declared size of 5 bytes", "and says it ran long")
        // Size 300 (two header bytes: 0xBC = blob, 12, more; 0x12 << 4 = 288) with 10 in the stream: ends early.
        let long = try XCTUnwrap(try syntheticPack(scratch, [0xBC, 0x12] + storedZlib(data), id: id).blobSource(id, expectedSize: 300, cap: 1000))
        XCTAssertEqual(long.read(at: 0, count: 300), data)
        XCTAssertNil(long.read(at: 200, count: 1))
        XCTAssertEqual(long.readFailure, "the data ended after 10 of 300 bytes", "and says it ended early")
        // Not blobs, bad types, endless sizes, no data.
        let reader = try syntheticPack(scratch, [0x2A] + storedZlib(data), id: id)
        XCTAssertEqual(reader.entry(of: id)?.entry.kind, .tree)
        XCTAssertNil(reader.blobSource(id, expectedSize: nil, cap: 100))
        XCTAssertNil(try syntheticPack(scratch, [0x6A, 0x05] + storedZlib(data), id: id).blobSource(id, expectedSize: nil, cap: 100))
        XCTAssertNil(try syntheticPack(scratch, [0x5A] + storedZlib(data), id: id).entry(of: id))
        XCTAssertNil(try syntheticPack(scratch, [UInt8](repeating: 0xB0, count: 40), id: id).entry(of: id))
        XCTAssertNil(try syntheticPack(scratch, [0x3A], id: id).blobSource(id, expectedSize: nil, cap: 100))
        XCTAssertNil(try syntheticPack(scratch, [0x3A] + storedZlib(data), id: testOID(0x42, 0x43)).blobSource(id, expectedSize: nil, cap: 100))
        // Empty blob.
        XCTAssertEqual(try syntheticPack(scratch, [0x30] + storedZlib([]), id: id).blobSource(id, expectedSize: 0, cap: 100)?.read(at: 0, count: 10), [])
    }

    func testInflateStreamGrowsWithoutRestarting() throws {
        let data = Self.floats(count: 100_000, seed: 5)
        var input = storedZlib(Array(data[0..<60_000]))[...]  // one stored block holds at most 65,535 bytes
        let stream = try XCTUnwrap(InflateStream(wrapper: .zlib, inputChunk: 1000) { buffer in
            let n = min(buffer.count, input.count)
            buffer.copyBytes(from: input.prefix(n))
            input = input.dropFirst(n)
            return n
        })
        var out: [UInt8] = []
        XCTAssertEqual(stream.inflate(appendingTo: &out, upTo: 100), 100)
        XCTAssertLessThanOrEqual(stream.compressedBytesRead, 1000)
        for _ in 0..<100 { stream.inflate(appendingTo: &out, upTo: 1000) }
        XCTAssertEqual(out, Array(data[0..<60_000]))
        XCTAssertEqual(stream.state, .finished)
        XCTAssertEqual(stream.totalOut, 60_000)
        XCTAssertEqual(stream.inflate(appendingTo: &out, upTo: 10), 0)
    }
}
