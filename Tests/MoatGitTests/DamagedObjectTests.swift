import Foundation
import MoatBytes
@testable import MoatGit
import Synchronization
import XCTest

/// Damaged objects met by the read ladder and the history walk: each is reported, none hangs or
/// crashes (issue 9).
final class DamagedObjectTests: XCTestCase {
    private static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var x = seed | 1
        return (0..<count).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    /// The loose file of `id` in `repo`.
    private func loosePath(_ repo: String, _ id: ObjectID) -> String {
        let hex = id.hex
        return repo + "/.git/objects/" + hex.prefix(2) + "/" + hex.dropFirst(2)
    }

    /// Replaces a (read-only) loose object file with `bytes`.
    private func replace(_ path: String, with bytes: [UInt8]) throws {
        try FileManager.default.removeItem(atPath: path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    // a. A big loose object cut short used to hang in libgit2's loose stream; moat's own loose
    // reader streams it and reports the damage.
    func testTruncatedBigLooseObjectIsStreamedAndReported() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = Self.noise(300_000, seed: 7)
        try scratch.write("repo/big.bin", content)
        let id = try XCTUnwrap(ObjectID(hex: try scratch.git(["hash-object", "-w", "big.bin"], in: repo).trimmingCharacters(in: .whitespacesAndNewlines)))
        let path = loosePath(repo, id)
        let file = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let policy = BlobReadPolicy(wholeReadLimit: 64 << 10)

        // Whole: streamed by moat's reader, every byte, no failure.
        let intact = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertEqual(try intact.blobSize(id), content.count)
        let good = try intact.blobSource(id, size: content.count, policy: policy)
        XCTAssertTrue(good is StreamByteSource)
        XCTAssertEqual(good.read(at: 0, count: content.count), content)
        XCTAssertNil(good.readFailure)

        // Cut in half: the header still reads, the stream stops where the file does and says so.
        try replace(path, with: Array(file.prefix(file.count / 2)))
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertEqual(try repository.blobSize(id), content.count)
        let source = try repository.blobSource(id, size: content.count, policy: policy)
        let got = source.read(at: 0, count: content.count) ?? []
        XCTAssertLessThan(got.count, content.count)
        XCTAssertEqual(got, Array(content.prefix(got.count)))
        XCTAssertNotNil(source.readFailure)

        // Its middle garbled instead (stored deflate blocks: the checksum at the end catches it).
        var garbled = file
        for i in (file.count / 2)..<(file.count / 2 + 512) { garbled[i] ^= 0x5A }
        try replace(path, with: garbled)
        let again = try GitRepository.open(at: repo, fromEnvironment: false)
        let broken = try again.blobSource(id, size: content.count, policy: policy)
        _ = broken.read(at: 0, count: content.count)
        XCTAssertNotNil(broken.readFailure)
    }

    // b (packed). A big packed blob whose stream is garbled halfway: read as far as it goes, then
    // reported through `readFailure`, in a history sweep too.
    func testHistorySweepReportsABrokenPackedStream() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = Self.noise(400_000, seed: 11)
        try scratch.write("repo/w.bin", content)
        try scratch.commit([:], in: repo)
        try scratch.git(["repack", "-adq"], in: repo)
        let pack = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: repo + "/.git/objects/pack").first { $0.hasSuffix(".pack") })
        let packPath = repo + "/.git/objects/pack/" + pack
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: packPath)))
        // The blob is the biggest entry: its middle is well inside it.
        for i in (bytes.count / 2)..<(bytes.count / 2 + 512) { bytes[i] ^= 0xA5 }
        try replace(packPath, with: bytes)

        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let history = try HistorySource(repository: repository, selection: .allRefs(includeUnreachable: false))
        let blob = try XCTUnwrap(history.blobs.first { $0.path == PathBytes("w.bin") })
        let failures = Mutex<[String]>([])
        let ids = history.blobs.map(\.id)
        try history.readBlobs(gitDir: repository.gitDir, workers: 2, policy: BlobReadPolicy(wholeReadLimit: 64 << 10)) { i, source, _ in
            guard ids[i] == blob.id, let source else { return }
            _ = source.read(at: 0, count: source.size)
            if let why = source.readFailure { failures.withLock { $0.append(why) } }
        }
        XCTAssertEqual(failures.withLock { $0.count }, 1)
    }

    // c. An index offset past the end of its pack crashed libgit2 (`git_odb_read_header`): the
    // pack is fenced off when the packs are listed, and its objects count as unreadable.
    func testPackIndexOffsetPastThePackIsUnreadableNotACrash() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.commit(["a.txt": "first\n"], in: repo)
        try scratch.git(["repack", "-adq"], in: repo)
        let id = try scratch.objectID("HEAD:a.txt", in: repo)
        // A second commit, loose, so the walk has something readable.
        try scratch.commit(["b.txt": "second\n"], in: repo)

        let dir = repo + "/.git/objects/pack/"
        let idx = dir + (try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".idx") }))
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: idx)))
        let index = try XCTUnwrap(PackIndex(bytes: original))
        let field = 8 + 1024 + index.count * 24 + 4 * (try XCTUnwrap(index.position(of: id)))
        let packSize = (try FileManager.default.attributesOfItem(atPath: String(idx.dropLast(4)) + ".pack")[.size] as! NSNumber).intValue
        // Inside the trailing checksum (libgit2 1.5 reads it as an object), and far past the end;
        // then, found by the pack fuzzer, far past the end in an index with 5 stray bytes before its
        // checksums: libgit2 accepts any size up to 8 bytes an object past the tables, moat used to
        // want whole 8-byte slots, so it did not list (nor fence) that pack and libgit2 crashed.
        for (bad, stray) in [(UInt32(packSize - 1), 0), (0x7FFF_FFF0, 0), (0x7FFF_FFF0, 5)] {
            var bytes = original
            bytes.replaceSubrange(field..<(field + 4), with: [UInt8(bad >> 24), UInt8(bad >> 16 & 0xFF), UInt8(bad >> 8 & 0xFF), UInt8(bad & 0xFF)])
            bytes.insert(contentsOf: repeatElement(0xEE, count: stray), at: bytes.count - 40)
            try replace(idx, with: bytes)

            let repository = try GitRepository.open(at: repo, fromEnvironment: false)
            XCTAssertEqual(repository.packStore()?.damaged.count, 1)
            XCTAssertThrowsError(try repository.blobSize(id))
            XCTAssertThrowsError(try repository.readBlob(id))
            let history = try HistorySource(repository: repository, selection: .allRefs(includeUnreachable: true))
            XCTAssertGreaterThan(history.stats.missingObjects, 0)
            XCTAssertTrue(history.blobs.contains { $0.path == PathBytes("b.txt") }, "the readable commit is still walked")
            XCTAssertFalse(history.blobs.contains { $0.id == id })
        }
    }

    // Found by the pack fuzzer through libgit2: an index whose last fanout entries read 0xFFFFFFFF
    // (2^32 - 1 objects in a 1 KB file) is no index to moat, but libgit2 1.5 computes its expected
    // size in 32 bits, opens it and crashes (SIGSEGV in `git_odb_read_header`) on the next lookup.
    // With such an index next to a pack, every read is refused with an error naming it.
    func testAnIndexLibgit2WouldReadOutsideFailsEveryReadNotACrash() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.commit(["a.txt": "first\n"], in: repo)
        try scratch.git(["repack", "-adq"], in: repo)
        let id = try scratch.objectID("HEAD:a.txt", in: repo)
        let dir = repo + "/.git/objects/pack/"
        let idx = dir + (try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".idx") }))
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: idx)))
        for entry in 250..<256 { bytes.replaceSubrange((8 + 4 * entry)..<(12 + 4 * entry), with: [0xFF, 0xFF, 0xFF, 0xFF]) }
        try replace(idx, with: bytes)

        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertEqual(repository.packStore()?.unreadableIndexes.count, 1)
        XCTAssertThrowsError(try repository.blobSize(id)) { error in
            XCTAssertTrue("\(error)".contains("pack index"), "\(error)")
        }
        XCTAssertThrowsError(try repository.readBlob(id))
        let history = try HistorySource(repository: repository, selection: .allRefs(includeUnreachable: false))
        XCTAssertGreaterThan(history.stats.missingObjects, 0, "the commit is counted missing")
        XCTAssertTrue(history.blobs.isEmpty)
    }

    // d. `--include-unreachable`: a dangling object whose header cannot be read is counted as
    // missing, not dropped.
    func testUnreadableDanglingObjectIsCountedMissing() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.commit(["a.txt": "kept\n"], in: repo)
        try scratch.write("repo/dangling.txt", "never committed\n")
        let id = try XCTUnwrap(ObjectID(hex: try scratch.git(["hash-object", "-w", "dangling.txt"], in: repo).trimmingCharacters(in: .whitespacesAndNewlines)))
        // A zlib stream whose header is garbage: the object is listed but unreadable.
        try replace(loosePath(repo, id), with: [0x78, 0x01] + Self.noise(40, seed: 3))

        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let history = try HistorySource(repository: repository, selection: .allRefs(includeUnreachable: true))
        XCTAssertEqual(history.stats.missingOthers, 1)
        XCTAssertTrue(history.missingSamples.contains(MissingObject(id: id, kind: .object)))
        XCTAssertEqual(history.stats.unreachableBlobs, 0)
    }
}
