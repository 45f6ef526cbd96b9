import Foundation
import XCTest

/// Damaged repositories, end to end: for each kind of damage a user's clone can have, the exit
/// status and the JSON `scan` block of every mode that meets it, under a time limit (a hang fails
/// the case), and no file under `.git` written by moat. Exit 2 means "part of the history or the
/// change was not read"; `--allow-missing` accepts it; a shallow clone is normal and passes with
/// its boundary named.
final class FaultInjectionTests: XCTestCase {
    var repo: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        repo = try CLI.makeRepository()
        try CLI.write("# project\n", to: "README.md", in: repo)
        try commit("init")
    }

    override func tearDownWithError() throws {
        if let r = repo { try? FileManager.default.removeItem(at: r) }
    }

    // MARK: - Running and checking

    struct Run {
        var status: Int32
        var scan: [String: Any]
        var findings: [[String: Any]]
        var stderr: String
    }

    /// Runs `moat <args> --format json` in `dir` under a 120 s limit; checks it neither hung nor
    /// crashed, that stdout is the JSON report (or empty on a one-line error), and that nothing
    /// under `.git` changed.
    @discardableResult
    func moat(_ args: [String], in dir: URL? = nil, expect status: Int32, _ what: String,
              file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let dir = dir ?? repo!
        let before = try Self.snapshot(dir)
        // The vectorscan cache goes outside the repository (HOME is the repository in these tests).
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("moat-fault-cache").path
        let r = try CLI.run(URL(fileURLWithPath: "/usr/bin/timeout"), ["120", CLI.moat.path] + args + ["--format", "json"], in: dir,
                            environment: ["XDG_CACHE_HOME": cache])
        XCTAssertNotEqual(r.status, 124, "\(what): moat hung", file: file, line: line)
        XCTAssertLessThan(r.status, 100, "\(what): moat crashed (\(r.status)): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.status, status, "\(what): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(try Self.snapshot(dir), before, "\(what): moat changed files under .git", file: file, line: line)
        guard !r.stdout.isEmpty else { return Run(status: r.status, scan: [:], findings: [], stderr: r.stderr) }
        let report = try CLI.json(r.stdout)
        return Run(status: r.status, scan: report["scan"] as? [String: Any] ?? [:], findings: CLI.findings(report), stderr: r.stderr)
    }

    /// Every path under `<dir>/.git` with its size and modification time.
    static func snapshot(_ dir: URL) throws -> [String: String] {
        let git = dir.appendingPathComponent(".git")
        var out: [String: String] = [:]
        guard let e = FileManager.default.enumerator(at: git, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey]) else { return out }
        for case let url as URL in e {
            let v = try url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey])
            out[url.path] = "\(v.fileSize ?? -1) \(v.contentModificationDate?.timeIntervalSince1970 ?? 0)"
        }
        return out
    }

    func commit(_ message: String, in dir: URL? = nil) throws {
        try CLI.git(["add", "-A"], in: dir ?? repo)
        try CLI.git(["commit", "-q", "--no-verify", "-m", message], in: dir ?? repo)
    }

    func id(_ rev: String, in dir: URL? = nil) throws -> String {
        try CLI.git(["rev-parse", rev], in: dir ?? repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func loose(_ id: String) -> URL { repo.appendingPathComponent(".git/objects/\(id.prefix(2))/\(id.dropFirst(2))") }

    /// Rewrites a (read-only) git file.
    func rewrite(_ url: URL, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = Array(try Data(contentsOf: url))
        change(&bytes)
        try? FileManager.default.removeItem(at: url)
        try Data(bytes).write(to: url)
    }

    static func noise(_ count: Int, seed: UInt64) -> Data {
        var x = seed | 1
        return Data((0..<count).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        })
    }

    /// Text that deflates poorly (so a big blob stays big in its loose file and its pack).
    static func noisyText(_ count: Int, seed: UInt64) -> Data {
        let hex = Array("0123456789abcdef".utf8)
        return Data(noise(count, seed: seed).enumerated().map { i, b in i % 64 == 63 ? 0x0A : hex[Int(b & 15)] })
    }

    func write(_ data: Data, to name: String) throws { try data.write(to: repo.appendingPathComponent(name)) }

    /// Packs everything, then returns (pack file, offset, size in pack) of the object `rev` names.
    func packedEntry(_ rev: String) throws -> (URL, Int, Int) {
        try CLI.git(["repack", "-adq"], in: repo)
        let dir = repo.appendingPathComponent(".git/objects/pack")
        let idx = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(".idx") })
        let listing = try CLI.git(["verify-pack", "-v", dir.appendingPathComponent(idx).path], in: repo).stdout
        let want = try id(rev)
        let row = try XCTUnwrap(listing.split(separator: "\n").first { $0.hasPrefix(want) }).split(separator: " ", omittingEmptySubsequences: true)
        return (dir.appendingPathComponent(String(idx.dropLast(4)) + ".pack"), Int(row[4])!, Int(row[3])!)
    }

    func assertMissing(_ run: Run, atLeast n: Int = 1, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(run.scan["missing_objects"] as? Int ?? 0, n, "\(what): \(run.scan)", file: file, line: line)
        XCTAssertFalse((run.scan["warnings"] as? [String] ?? []).isEmpty, "\(what): the damage is named", file: file, line: line)
    }

    // MARK: - Loose objects

    func testTruncatedSmallLooseBlob() throws {
        try write(Self.noisyText(20_000, seed: 1), to: "small.txt")
        try commit("small")
        try rewrite(loose(try id("HEAD:small.txt"))) { $0.removeLast(40) }
        assertMissing(try moat(["history"], expect: 2, "history"), "history")
        try moat(["history", "--allow-missing"], expect: 0, "history --allow-missing")
    }

    func testTruncatedBigLooseBlobStagedAndCommitted() throws {
        // Over the staged and history stream thresholds: read by moat's loose reader, not libgit2's.
        // Text is read whole, so the scan meets the cut.
        try write(Self.noisyText(9 << 20, seed: 2), to: "big.txt")
        try CLI.git(["add", "big.txt"], in: repo)
        try rewrite(loose(try id(":big.txt"))) { $0.removeLast($0.count / 3) }
        let staged = try moat(["staged"], expect: 2, "staged")
        assertMissing(staged, "staged")
        try moat(["staged", "--allow-missing"], expect: 0, "staged --allow-missing")
        try CLI.git(["commit", "-q", "--no-verify", "-m", "big"], in: repo)
        assertMissing(try moat(["history"], expect: 2, "history"), "history")
    }

    func testDamagePastWhatTheFormatNeedsIsFoundByVerifyObjects() throws {
        // A binary is read only as far as its format needs (1 MiB here): damage past that is not
        // met by a scan, and --verify-objects, which hashes every blob whole, finds it.
        try write(Self.noise(3 << 20, seed: 12), to: "loose.bin")
        try write(Self.noise(3 << 20, seed: 13), to: "packed.bin")
        try commit("binaries")
        let (pack, at, size) = try packedEntry("HEAD:packed.bin")
        try rewrite(pack) { b in for i in (at + size * 3 / 4)..<(at + size * 3 / 4 + 64) { b[i] ^= 0xA5 } }
        try write(Self.noise(3 << 20, seed: 14), to: "loose.bin")
        try commit("loose binary")
        try rewrite(loose(try id("HEAD:loose.bin"))) { $0.removeLast($0.count / 4) }
        try moat(["history"], expect: 0, "history reads the heads only")
        let verified = try moat(["history", "--verify-objects"], expect: 2, "history --verify-objects")
        assertMissing(verified, atLeast: 2, "history --verify-objects")
        // A sound repository verifies clean.
        let clean = try CLI.makeRepository()
        defer { try? FileManager.default.removeItem(at: clean) }
        try Self.noise(3 << 20, seed: 15).write(to: clean.appendingPathComponent("ok.bin"))
        try CLI.write("text\n", to: "ok.txt", in: clean)
        try commit("clean", in: clean)
        try moat(["history", "--verify-objects"], in: clean, expect: 0, "sound repository")
        try CLI.git(["repack", "-adq"], in: clean)
        try moat(["history", "--verify-objects"], in: clean, expect: 0, "sound packed repository")
    }

    func testGarbledLooseBlobAndNotZlibAtAll() throws {
        try write(Self.noisyText(4_000, seed: 3), to: "garbled.txt")
        try write(Self.noisyText(4_000, seed: 4), to: "junk.txt")
        try commit("two")
        try rewrite(loose(try id("HEAD:garbled.txt"))) { b in for i in (b.count / 2)..<(b.count / 2 + 64) { b[i] ^= 0x5A } }
        try rewrite(loose(try id("HEAD:junk.txt"))) { $0 = Array(Self.noise($0.count, seed: 5)) }
        let run = try moat(["history"], expect: 2, "history")
        assertMissing(run, atLeast: 2, "history")
    }

    func testAFIFOInPlaceOfALooseObjectIsRefusedNotWaitedOn() throws {
        try CLI.write("some text\n", to: "f.txt", in: repo)
        try commit("f")
        let object = loose(try id("HEAD:f.txt"))
        try FileManager.default.removeItem(at: object)
        XCTAssertEqual(mkfifo(object.path, 0o644), 0)
        assertMissing(try moat(["history"], expect: 2, "history"), "history")
        try CLI.write("changed\n", to: "f.txt", in: repo)
        try moat(["staged"], expect: 0, "staged: the FIFO is HEAD's blob, not read")
    }

    func testGarbledTreeAndTruncatedCommit() throws {
        try CLI.git(["checkout", "-q", "-b", "side"], in: repo)
        try CLI.write("tree damage\n", to: "dir/t.txt", in: repo)
        try commit("side")
        let tree = try id("HEAD:dir")
        try CLI.git(["checkout", "-q", "main"], in: repo)
        try CLI.write("commit damage\n", to: "c.txt", in: repo)
        try commit("main 2")
        try rewrite(loose(tree)) { $0 = Array(Self.noise($0.count, seed: 6)) }
        try rewrite(loose(try id("HEAD"))) { $0.removeLast(8) }
        assertMissing(try moat(["history"], expect: 2, "history"), atLeast: 2, "history")
    }

    func testRefToAMissingCommitAndABrokenRef() throws {
        let ghost = repo.appendingPathComponent(".git/refs/heads/ghost")
        try Data("0123456789abcdef0123456789abcdef01234567\n".utf8).write(to: ghost)
        assertMissing(try moat(["history"], expect: 2, "ghost ref"), "ghost ref")
        try Data("garbage\n".utf8).write(to: ghost)
        let broken = try moat(["history"], expect: 2, "broken ref")
        XCTAssertTrue((broken.scan["warnings"] as? [String] ?? []).contains { $0.contains("ignoring broken ref refs/heads/ghost") })
    }

    // MARK: - Packs

    func testGarbledPackedBlobsSmallAndBig() throws {
        try write(Self.noisyText(30_000, seed: 7), to: "small.txt")
        // Text, read whole (a binary's stored deflate blocks carry no check until the end, which
        // a scan of its head never reaches: testDamagePastWhatTheFormatNeedsIsFoundByVerifyObjects).
        try write(Self.noisyText(2 << 20, seed: 8), to: "big.txt")
        try commit("blobs")
        let (_, smallAt, smallSize) = try packedEntry("HEAD:small.txt")
        let (pack, bigAt, _) = try packedEntry("HEAD:big.txt")
        try rewrite(pack) { b in
            for i in (smallAt + smallSize / 2)..<(smallAt + smallSize / 2 + 32) { b[i] ^= 0xA5 }
            for i in (bigAt + 300_000)..<(bigAt + 300_032) { b[i] ^= 0xA5 }
        }
        let run = try moat(["history"], expect: 2, "history")
        assertMissing(run, atLeast: 2, "history")
    }

    func testTruncatedPackAndPackWithoutItsFile() throws {
        try write(Self.noisyText(50_000, seed: 9), to: "data.txt")
        try commit("data")
        let (pack, _, _) = try packedEntry("HEAD:data.txt")
        try rewrite(pack) { $0.removeLast($0.count / 2) }
        assertMissing(try moat(["history"], expect: 2, "truncated pack"), "truncated pack")
        try FileManager.default.removeItem(at: pack)
        try moat(["history"], expect: 2, "pack file gone")
    }

    func testPackIndexOffsetPastThePack() throws {
        try write(Self.noisyText(10_000, seed: 10), to: "a.txt")
        try commit("a")
        let (pack, _, _) = try packedEntry("HEAD:a.txt")
        let idx = pack.deletingPathExtension().appendingPathExtension("idx")
        let want = try id("HEAD:a.txt")
        // Every id in the pack, sorted: the order of the index's offset table.
        let listing = try CLI.git(["verify-pack", "-v", idx.path], in: repo).stdout
        let ids = listing.split(separator: "\n").map { String($0.prefix(40)) }.filter { $0.count == 40 && $0.allSatisfy(\.isHexDigit) }.sorted()
        let position = try XCTUnwrap(ids.firstIndex(of: want))
        try rewrite(idx) { b in
            // Version 2 index: 8-byte header, 1 KiB fan-out, ids, CRCs, then 4-byte offsets.
            let field = 8 + 1024 + ids.count * 24 + 4 * position
            b.replaceSubrange(field..<(field + 4), with: [0x7F, 0xFF, 0xFF, 0xF0])
        }
        assertMissing(try moat(["history"], expect: 2, "history"), "history")
    }

    // MARK: - Clones and the index

    func testShallowCloneNamesItsBoundaryAndPasses() throws {
        try CLI.write("second\n", to: "b.txt", in: repo)
        try commit("second")
        let clone = repo.appendingPathComponent("../\(repo.lastPathComponent)-shallow").standardizedFileURL
        defer { try? FileManager.default.removeItem(at: clone) }
        try CLI.git(["clone", "-q", "--depth", "1", "file://\(repo.path)", clone.path], in: repo)
        let run = try moat(["history"], in: clone, expect: 0, "shallow history")
        XCTAssertEqual(run.scan["missing_objects"] as? Int, 0)
        XCTAssertEqual(run.scan["shallow_boundary"] as? [String], [try id("HEAD")])
    }

    func testPartialCloneCountsTheBlobsItLacks() throws {
        try CLI.write("old version\n", to: "b.txt", in: repo)
        try commit("old")
        try CLI.write("new version\n", to: "b.txt", in: repo)
        try commit("new")
        try CLI.git(["config", "uploadpack.allowFilter", "true"], in: repo)
        let clone = repo.appendingPathComponent("../\(repo.lastPathComponent)-partial").standardizedFileURL
        defer { try? FileManager.default.removeItem(at: clone) }
        try CLI.git(["clone", "-q", "--filter=blob:none", "file://\(repo.path)", clone.path], in: repo)
        let run = try moat(["history"], in: clone, expect: 2, "partial clone")
        assertMissing(run, "partial clone")
        try moat(["history", "--allow-missing"], in: clone, expect: 0, "partial clone, allowed")
    }

    func testGarbageIndex() throws {
        try CLI.write("tracked\n", to: "t.txt", in: repo)
        try commit("t")
        try Self.noise(4096, seed: 11).write(to: repo.appendingPathComponent(".git/index"))
        let staged = try moat(["staged"], expect: 2, "staged")
        XCTAssertTrue(staged.stderr.contains("cannot read the index"), staged.stderr)
        XCTAssertEqual(staged.stderr.split(separator: "\n").filter { $0.hasPrefix("moat:") }.count, 1, staged.stderr)
        // History does not need the index; a work-tree scan reads the files themselves.
        try moat(["history"], expect: 0, "history")
        let scan = try moat(["scan", "."], expect: 0, "scan")
        XCTAssertEqual(scan.scan["files_scanned"] as? Int, 2)
    }
}
