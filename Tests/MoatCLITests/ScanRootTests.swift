import Foundation
import XCTest

/// One path and one fingerprint per file, however it is scanned: `moat scan` from any folder with
/// any spelling of the path, `moat staged`, `moat history`; tracked files that .gitignore matches.
final class ScanRootTests: XCTestCase {
    var dir: URL!
    let token = "hf_FakeMoatTokenQwZxRtYuPlMnBvCxZaSdFgHj"

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        dir = try CLI.makeRepository()
    }

    override func tearDownWithError() throws {
        if let d = dir { try? FileManager.default.removeItem(at: d) }
    }

    /// Each finding as "path rule fingerprint", and the report's root.
    func identities(_ arguments: [String], in folder: URL) throws -> (root: String, findings: Set<String>) {
        let r = try CLI.moat(arguments + ["--format", "json", "--fail-on", "warn"], in: folder)
        XCTAssertEqual(r.status, 1, "\(arguments): \(r.stderr)")
        let report = try CLI.json(r.stdout)
        let root = try XCTUnwrap((report["scan"] as? [String: Any])?["root"] as? String)
        let findings = CLI.findings(report).map { "\($0["path"] as? String ?? "?") \($0["rule"] as? String ?? "?") \($0["fingerprint"] as? String ?? "?")" }
        return (root, Set(findings))
    }

    func testPathsAndFingerprintsAreTheSameInEveryModeAndFromEveryFolder() throws {
        try CLI.plant("positive/optimizer.safetensors", as: "sub/dir/optimizer.safetensors", in: dir)
        try CLI.write("HF_TOKEN=\(token)\n", to: "sub/dir/ci.env", in: dir)
        try CLI.plant("positive/tiny-llama.gguf", as: "top.gguf", in: dir)
        try CLI.write("sub/dir/*.log\n", to: ".gitignore", in: dir)
        let sub = dir.appendingPathComponent("sub"), deep = dir.appendingPathComponent("sub/dir")
        let realRoot = dir.resolvingSymlinksInPath().path

        try CLI.git(["add", "-A"], in: dir)
        let staged = try identities(["staged"], in: dir)
        XCTAssertEqual(try identities(["staged"], in: deep).findings, staged.findings)
        try CLI.git(["commit", "-q", "-m", "all"], in: dir)
        let history = try identities(["history"], in: sub)
        let whole = try identities(["scan", "."], in: dir)

        XCTAssertEqual(whole.root, realRoot)
        XCTAssertEqual(whole.findings.count, 3, "\(whole.findings)")
        XCTAssertTrue(whole.findings.contains { $0.hasPrefix("sub/dir/optimizer.safetensors artifact.safetensors ") }, "\(whole.findings)")
        XCTAssertEqual(staged.root, realRoot)
        XCTAssertEqual(history.root, realRoot)
        XCTAssertEqual(staged.findings, whole.findings)
        XCTAssertEqual(history.findings, whole.findings)
        for (arguments, folder) in [(["scan"], dir!), (["scan", dir.path], sub), (["scan", realRoot + "/"], deep), (["scan", ".."], sub),
                                    (["scan", "../.."], deep), (["scan", "top.gguf", "sub"], dir!)] {
            let r = try identities(arguments, in: folder)
            XCTAssertEqual(r.root, realRoot, "\(arguments) in \(folder.lastPathComponent)")
            XCTAssertEqual(r.findings, whole.findings, "\(arguments) in \(folder.lastPathComponent)")
        }
        let deepOnly = whole.findings.filter { $0.hasPrefix("sub/dir/") }
        for (arguments, folder) in [(["scan", "sub/dir"], dir!), (["scan"], deep), (["scan", "."], deep), (["scan", "dir/"], sub),
                                    (["scan", deep.path + "/optimizer.safetensors", "ci.env"], deep)] {
            let r = try identities(arguments, in: folder)
            XCTAssertEqual(r.root, realRoot, "\(arguments) in \(folder.lastPathComponent)")
            XCTAssertEqual(r.findings, deepOnly, "\(arguments) in \(folder.lastPathComponent)")
        }
    }

    func testABaselineWrittenInOneModeAcceptsTheSameFindingsInAnother() throws {
        try CLI.plant("positive/optimizer.safetensors", as: "sub/optimizer.safetensors", in: dir)
        try CLI.write("HF_TOKEN=\(token)\n", to: "sub/ci.env", in: dir)
        let sub = dir.appendingPathComponent("sub")
        let baseline = dir.deletingLastPathComponent().appendingPathComponent("baseline-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: baseline) }
        XCTAssertEqual(try CLI.moat(["scan", ".", "--write-baseline", baseline], in: sub).status, 0)
        let written = try String(contentsOfFile: baseline, encoding: .utf8)
        XCTAssertTrue(written.contains("\"path\": \"sub/optimizer.safetensors\""), written)
        try CLI.git(["add", "-A"], in: dir)
        let staged = try CLI.moat(["staged", "--baseline", baseline, "--format", "json", "--fail-on", "warn"], in: dir)
        XCTAssertEqual(staged.status, 0, staged.stdout)
        XCTAssertEqual((try CLI.json(staged.stdout)["scan"] as? [String: Any])?["suppressed"] as? Int, 2)
        try CLI.git(["commit", "-q", "-m", "sub"], in: dir)
        let history = try CLI.moat(["history", "--baseline", baseline, "--format", "json", "--fail-on", "warn"], in: sub)
        XCTAssertEqual(history.status, 0, history.stdout)
        XCTAssertEqual((try CLI.json(history.stdout)["scan"] as? [String: Any])?["stale_baseline_entries"] as? Int, 0)
        XCTAssertEqual(try CLI.moat(["scan", dir.path, "--baseline", baseline, "--fail-on", "warn"], in: dir.deletingLastPathComponent()).status, 0)
        // A changed file is a new finding.
        try CLI.plant("positive/sgd_momentum_optimizer.pt", as: "sub/optimizer.safetensors", in: dir)
        XCTAssertEqual(try CLI.moat(["scan", "--baseline", baseline, "--fail-on", "warn"], in: dir).status, 1)
    }

    func testOutsideARepositoryTheRootIsTheFolderScanned() throws {
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("moat-plain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: plain) }
        try CLI.plant("positive/optimizer.safetensors", as: "data/a/optimizer.safetensors", in: plain)
        let real = plain.resolvingSymlinksInPath().path
        let inside = try identities(["scan", "."], in: plain.appendingPathComponent("data"))
        XCTAssertEqual(inside.root, real + "/data")
        XCTAssertTrue(inside.findings.allSatisfy { $0.hasPrefix("a/optimizer.safetensors ") }, "\(inside.findings)")
        let absolute = try identities(["scan", real + "/data"], in: dir)
        XCTAssertEqual(absolute.root, inside.root)
        XCTAssertEqual(absolute.findings, inside.findings)
        let file = try identities(["scan", "data/a/optimizer.safetensors"], in: plain)
        XCTAssertEqual(file.root, real + "/data/a")
        XCTAssertTrue(file.findings.allSatisfy { $0.hasPrefix("optimizer.safetensors ") }, "\(file.findings)")
    }

    func testTrackedFilesThatGitignoreMatchesAreScanned() throws {
        try CLI.write("*.safetensors\nbuild/\n", to: ".gitignore", in: dir)
        try CLI.plant("positive/optimizer.safetensors", as: "forced.safetensors", in: dir)
        try CLI.plant("positive/tiny-llama.safetensors", as: "untracked.safetensors", in: dir)
        try CLI.plant("positive/optimizer.pt", as: "src/build/forced/optimizer.pt", in: dir)
        try CLI.plant("positive/grads.pt", as: "src/build/forced/untracked.pt", in: dir)
        try CLI.plant("positive/grads.pt", as: "src/build/other/untracked.pt", in: dir)
        try CLI.git(["add", ".gitignore"], in: dir)
        try CLI.git(["add", "-f", "forced.safetensors", "src/build/forced/optimizer.pt"], in: dir)
        let src = dir.appendingPathComponent("src")
        func check(_ folder: URL, paths: Set<String>, ignored: Int, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try CLI.moat(["scan", "--format", "json", "--fail-on", "warn"], in: folder)
            XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
            let report = try CLI.json(r.stdout)
            XCTAssertEqual(Set(CLI.findings(report).compactMap { $0["path"] as? String }), paths, file: file, line: line)
            let skipped = (report["scan"] as? [String: Any])?["skipped"] as? [String: Any]
            XCTAssertEqual(skipped?["ignored"] as? Int, ignored, "\(skipped ?? [:])", file: file, line: line)
        }
        try check(dir, paths: ["forced.safetensors", "src/build/forced/optimizer.pt"], ignored: 3)
        try check(src, paths: ["src/build/forced/optimizer.pt"], ignored: 2)
        // Committed, and so still tracked: the same.
        try CLI.git(["commit", "-q", "-m", "forced"], in: dir)
        try check(dir, paths: ["forced.safetensors", "src/build/forced/optimizer.pt"], ignored: 3)
        // Untracked again (git rm --cached): ignored again.
        try CLI.git(["rm", "-q", "--cached", "forced.safetensors"], in: dir)
        try check(dir, paths: ["src/build/forced/optimizer.pt"], ignored: 4)
    }
}
