import Foundation
import XCTest

/// `moat staged`: what it scans, how it reports, and its exit codes.
final class StagedCommandTests: XCTestCase {
    var repo: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        repo = try CLI.makeRepository()
    }

    override func tearDownWithError() throws {
        if let r = repo { try? FileManager.default.removeItem(at: r) }
    }

    func testBeforeTheFirstCommitStagedWeightsAreBlocked() throws {
        try CLI.plantTiled("positive/weights_fc1.f32.bin", as: "ckpt/weights.bin", bytes: 1 << 20, in: repo)
        try CLI.write("x = 1\n", to: "src/a.py", in: repo)
        try CLI.git(["add", "."], in: repo)
        let r = try CLI.moat(["staged", "--format", "json"], in: repo)
        XCTAssertEqual(r.status, 1, r.stderr)
        let report = try CLI.json(r.stdout)
        XCTAssertEqual(report["version"] as? Int, 1)
        let scan = try XCTUnwrap(report["scan"] as? [String: Any])
        XCTAssertEqual(scan["mode"] as? String, "staged")
        XCTAssertEqual(scan["files_scanned"] as? Int, 2)
        let findings = CLI.findings(report)
        XCTAssertEqual(findings.count, 1)
        XCTAssertEqual(findings.first?["path"] as? String, "ckpt/weights.bin")
        XCTAssertEqual((findings.first?["blob"] as? String)?.count, 40)
        for key in ["kind", "category", "rule", "format", "severity", "size", "commit", "line", "summary", "message", "fingerprint"] {
            XCTAssertTrue(findings.first?.keys.contains(key) ?? false, "finding lacks \(key)")
        }
    }

    func testOnlyStagedChangesAreScanned() throws {
        try CLI.write("ok\n", to: "README.md", in: repo)
        try CLI.git(["add", "."], in: repo)
        try CLI.git(["commit", "-q", "-m", "init"], in: repo)
        // Unstaged weights in the work tree are not what the commit records.
        try CLI.plant("positive/tiny-llama.safetensors", as: "model.safetensors", in: repo)
        let r = try CLI.moat(["staged"], in: repo)
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("nothing found"), r.stdout)
    }

    func testFromSubdirectoryAndWithDashC() throws {
        try CLI.plantTiled("positive/weights_fc1.f32.bin", as: "models/big_weights.bin", bytes: 1 << 20, in: repo)
        try CLI.git(["add", "."], in: repo)
        let sub = repo.appendingPathComponent("models")
        let fromSub = try CLI.moat(["staged", "--format", "json"], in: sub)
        XCTAssertEqual(fromSub.status, 1)
        XCTAssertEqual(CLI.findings(try CLI.json(fromSub.stdout)).first?["path"] as? String, "models/big_weights.bin")
        let withC = try CLI.moat(["staged", "-C", repo.path], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(withC.status, 1)
    }

    func testOutsideARepositoryAndBadDashCExitTwoWithOneLine() throws {
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("moat-norepo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: plain) }
        let r = try CLI.moat(["staged"], in: plain, environment: ["GIT_CEILING_DIRECTORIES": plain.deletingLastPathComponent().path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("not a git repository"), r.stderr)
        let bad = try CLI.moat(["staged", "-C", "/nonexistent/dir"], in: repo)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("/nonexistent/dir"), bad.stderr)
    }

    func testUsageErrorExitsTwo() throws {
        let r = try CLI.moat(["staged", "--format", "xml"], in: repo)
        XCTAssertEqual(r.status, 2)
        let s = try CLI.moat(["frobnicate"], in: repo)
        XCTAssertEqual(s.status, 2)
    }

    func testOutputFileReceivesTheReport() throws {
        try CLI.plantTiled("positive/grads.bin", as: "grads.bin", bytes: 1 << 20, in: repo)
        try CLI.git(["add", "."], in: repo)
        let out = repo.appendingPathComponent("report.json")
        let r = try CLI.moat(["staged", "--format", "json", "--output", out.path], in: repo)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        let report = try CLI.json(String(decoding: try Data(contentsOf: out), as: UTF8.self))
        XCTAssertEqual(CLI.findings(report).first?["category"] as? String, "gradients")
    }

    func testAStagedObjectThatCannotBeReadFailsTheHookUnlessAllowed() throws {
        try CLI.write("a staged file whose object will be cut short\n", to: "notes.txt", in: repo)
        try CLI.git(["add", "notes.txt"], in: repo)
        try CLI.truncateLooseObject(":notes.txt", in: repo)
        let r = try CLI.moat(["staged", "--format", "json"], in: repo)
        XCTAssertEqual(r.status, 2, "the change was not fully scanned: \(r.stderr)")
        let scan = try XCTUnwrap(try CLI.json(r.stdout)["scan"] as? [String: Any])
        XCTAssertEqual(scan["missing_objects"] as? Int, 1)
        XCTAssertTrue(r.stderr.contains("1 object could not be read"), r.stderr)
        XCTAssertEqual(try CLI.moat(["staged", "--allow-missing"], in: repo).status, 0)
    }
}
