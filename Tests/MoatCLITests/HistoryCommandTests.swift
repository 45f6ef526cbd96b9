import Foundation
import XCTest

/// `moat history`: leaks that live only in history, ranges for CI, and the pre-push hook.
final class HistoryCommandTests: XCTestCase {
    var repo: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        repo = try CLI.makeRepository()
        try CLI.write("# project\n", to: "README.md", in: repo)
        try CLI.git(["add", "."], in: repo)
        try CLI.git(["commit", "-q", "-m", "init"], in: repo)
    }

    override func tearDownWithError() throws {
        if let r = repo { try? FileManager.default.removeItem(at: r) }
    }

    func commit(_ message: String) throws {
        try CLI.git(["add", "-A"], in: repo)
        try CLI.git(["commit", "-q", "--no-verify", "-m", message], in: repo)
    }

    func findings(_ args: [String], expect status: Int32, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let r = try CLI.moat(["history", "--format", "json"] + args, in: repo)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        return CLI.findings(try CLI.json(r.stdout))
    }

    func testDeletedCheckpointIsStillFoundWithItsCommit() throws {
        try CLI.plantTiled("positive/weights_fc1.f32.bin", as: "checkpoint-500/model_weights.bin", bytes: 1 << 20, in: repo)
        try commit("add checkpoint")
        let added = try CLI.git(["rev-parse", "HEAD"], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.removeItem(at: repo.appendingPathComponent("checkpoint-500"))
        try commit("remove checkpoint")
        let f = try findings([], expect: 1)
        XCTAssertEqual(f.count, 1)
        XCTAssertEqual(f.first?["path"] as? String, "checkpoint-500/model_weights.bin")
        XCTAssertEqual(f.first?["commit"] as? String, added)
        let history = try XCTUnwrap(f.first?["history"] as? [String: Any])
        XCTAssertEqual(history["in_head"] as? Bool, false)
        XCTAssertEqual(history["author"] as? String, "Test")
        let text = try CLI.moat(["history", "--color", "never"], in: repo)
        XCTAssertTrue(text.stdout.contains("not at HEAD"), text.stdout)
    }

    func testSameBlobUnderManyPathsIsScannedOnce() throws {
        // Distinct folder contents, so no subtree is shared (a shared subtree is walked once).
        for name in ["a/weights_a.bin", "b/weights_b.bin", "c/weights.bin"] {
            try CLI.plantTiled("positive/weights_fc1.f32.bin", as: name, bytes: 1 << 20, in: repo)
        }
        try commit("three copies")
        let f = try findings([], expect: 1)
        XCTAssertEqual(f.count, 1)
        XCTAssertEqual((f.first?["history"] as? [String: Any])?["paths"] as? Int, 3)
    }

    func testRangeScansOnlyTheFeatureBranch() throws {
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "old/weights.bin", bytes: 1 << 20, in: repo)
        try commit("old weights on main")
        try CLI.git(["checkout", "-q", "-b", "feature"], in: repo)
        try CLI.plantTiled("positive/grads.bin", as: "grads.bin", bytes: 1 << 20, in: repo)
        try commit("feature adds gradients")
        let f = try findings(["main..feature"], expect: 1)
        XCTAssertEqual(f.compactMap { $0["path"] as? String }, ["grads.bin"])
        XCTAssertEqual(f.first?["category"] as? String, "gradients")
        let none = try findings(["feature..main"], expect: 0)
        XCTAssertTrue(none.isEmpty)
    }

    func testUnknownRevisionAndNotARepositoryExitTwo() throws {
        let r = try CLI.moat(["history", "no-such-rev"], in: repo)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no-such-rev"), r.stderr)
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("moat-norepo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: plain) }
        let n = try CLI.moat(["history"], in: plain, environment: ["GIT_CEILING_DIRECTORIES": plain.deletingLastPathComponent().path])
        XCTAssertEqual(n.status, 2)
        XCTAssertEqual(n.stderr.split(separator: "\n").count, 1, n.stderr)
    }

    func testDamagedObjectsAreCountedAndTheirWarningsCapped() throws {
        for i in 0..<25 { try CLI.write("file \(i) of the damaged history\n", to: "f\(i).txt", in: repo) }
        try commit("files")
        // Cut the end off every loose blob of the files: the header still reads, the content not.
        for i in 0..<25 { try CLI.truncateLooseObject("HEAD:f\(i).txt", in: repo) }
        let r = try CLI.moat(["history", "--format", "json"], in: repo)
        XCTAssertEqual(r.status, 2, "objects could not be read")
        let scan = try XCTUnwrap(try CLI.json(r.stdout)["scan"] as? [String: Any])
        XCTAssertEqual(scan["missing_objects"] as? Int, 25)
        XCTAssertEqual((scan["warnings"] as? [String])?.count, 25, "the report keeps them all")
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("moat: warning: f") }.count, 20, r.stderr)
        XCTAssertTrue(r.stderr.contains("5 more warnings not shown"), r.stderr)
        XCTAssertTrue(r.stderr.contains("25 objects could not be read"), r.stderr)
        XCTAssertEqual(try CLI.moat(["history", "--allow-missing", "--format", "json"], in: repo).status, 0)
    }

    func testBrokenLooseRefIsReportedAndFailsTheSweep() throws {
        let refs = repo.appendingPathComponent(".git/refs/heads/wip")
        try FileManager.default.createDirectory(at: refs, withIntermediateDirectories: true)
        try Data("not an object id\n".utf8).write(to: refs.appendingPathComponent("broken"))
        let r = try CLI.moat(["history", "--format", "json"], in: repo)
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("ignoring broken ref refs/heads/wip/broken"), r.stderr)
        let scan = try XCTUnwrap(try CLI.json(r.stdout)["scan"] as? [String: Any])
        XCTAssertEqual(scan["missing_objects"] as? Int, 1)
        XCTAssertTrue((scan["warnings"] as? [String] ?? []).contains { $0.contains("refs/heads/wip/broken") })
        XCTAssertEqual(try CLI.moat(["history", "--allow-missing"], in: repo).status, 0)
        // A symbolic ref and a normal branch are not broken.
        try CLI.git(["symbolic-ref", "refs/heads/alias", "refs/heads/main"], in: repo)
        try FileManager.default.removeItem(at: refs.appendingPathComponent("broken"))
        let clean = try CLI.moat(["history"], in: repo)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertFalse(clean.stderr.contains("broken ref"), clean.stderr)
    }

    func testSafeDirectoryStarIsHonouredLikeGit() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to give the repository to another user") }
        try CLI.plantTiled("positive/weights_fc1.f32.bin", as: "weights.bin", bytes: 1 << 20, in: repo)
        try commit("weights")
        let home = repo.appendingPathComponent(".home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let env: [String: String?] = ["HOME": home.path, "XDG_CONFIG_HOME": home.path, "GIT_CONFIG_NOSYSTEM": "1"]
        try CLI.run(URL(fileURLWithPath: "/bin/chown"), ["-R", "65534:65534", repo.path], in: repo)
        let refused = try CLI.moat(["history"], in: repo, environment: env)
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("dubious ownership"), refused.stderr)
        try CLI.git(["config", "--global", "--add", "safe.directory", "*"], in: home, environment: env)
        for mode in [["history"], ["staged"], ["scan", "."]] {
            let r = try CLI.moat(mode + ["--format", "json"], in: repo, environment: env)
            XCTAssertEqual(r.status, mode[0] == "staged" ? 0 : 1, "\(mode): \(r.stderr)")
        }
        // An empty value later in the list clears it again, as in git.
        try CLI.git(["config", "--global", "--add", "safe.directory", ""], in: home, environment: env)
        XCTAssertEqual(try CLI.moat(["history"], in: repo, environment: env).status, 2)
    }

    func testOneSecretValueEditedAcrossCommitsIsOneFindingWithItsPlaces() throws {
        let token = "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"
        var first = ""
        for i in 0..<5 {
            try CLI.write("# Setup\n\nrevision \(i)\n\nexport HF_TOKEN=\(token)\n", to: "docs/setup.md", in: repo)
            try commit("docs \(i)")
            if i == 0 { first = try CLI.git(["rev-parse", "HEAD"], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        try CLI.write("HF_TOKEN=\(token)\n", to: "ci.env", in: repo)
        try commit("copy")
        let f = try findings([], expect: 1).filter { $0["kind"] as? String == "secret" }
        XCTAssertEqual(f.count, 1, "one finding per value: \(f.map { $0["path"] ?? "" })")
        XCTAssertEqual(f.first?["commit"] as? String, first, "the place it was first introduced")
        XCTAssertEqual(f.first?["path"] as? String, "docs/setup.md")
        XCTAssertEqual(f.first?["offset"] as? Int, "# Setup\n\nrevision 0\n\nexport HF_TOKEN=".utf8.count)
        let occurrences = try XCTUnwrap(f.first?["occurrences"] as? [String: Any])
        XCTAssertEqual(occurrences["count"] as? Int, 6)
        let places = try XCTUnwrap(occurrences["places"] as? [[String: Any]])
        XCTAssertEqual(places.first?["commit"] as? String, first)
        XCTAssertEqual(Set(places.compactMap { $0["path"] as? String }), ["docs/setup.md", "ci.env"])
        let text = try CLI.moat(["history", "--color", "never"], in: repo)
        XCTAssertTrue(text.stdout.contains("the same value in 6 places (6 commits, 2 paths)"), text.stdout)
    }

    func testPrePushHookBlocksAPushOfAHistoryLeak() throws {
        let remote = FileManager.default.temporaryDirectory.appendingPathComponent("moat-remote-\(UUID().uuidString).git")
        defer { try? FileManager.default.removeItem(at: remote) }
        try CLI.git(["init", "-q", "--bare", remote.path], in: repo)
        try CLI.git(["remote", "add", "origin", remote.path], in: repo)
        try CLI.git(["push", "-q", "origin", "main"], in: repo)
        let install = try CLI.moat(["hook", "install", "--pre-push"], in: repo)
        XCTAssertEqual(install.status, 0, install.stderr)
        // Committed with --no-verify, then "deleted": the push still carries it.
        try CLI.plantTiled("positive/weights_fc1.f32.bin", as: "model_weights.bin", bytes: 1 << 20, in: repo)
        try commit("weights")
        try FileManager.default.removeItem(at: repo.appendingPathComponent("model_weights.bin"))
        try commit("oops, remove")
        let push = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["push", "-q", "origin", "main"], in: repo)
        XCTAssertNotEqual(push.status, 0, "the push went through")
        XCTAssertTrue(push.stdout.contains("model_weights.bin") || push.stderr.contains("model_weights.bin"), push.stdout + push.stderr)
        // A new branch with only clean commits goes through.
        try CLI.git(["checkout", "-q", "-b", "clean", "HEAD~2"], in: repo)
        try CLI.write("print('ok')\n", to: "ok.py", in: repo)
        try commit("clean work")
        let clean = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["push", "-q", "origin", "clean"], in: repo)
        XCTAssertEqual(clean.status, 0, clean.stdout + clean.stderr)
    }

    /// Every file under `.git` with its size, mode and content digest.
    func snapshot(_ gitDir: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        let files = FileManager.default.enumerator(at: gitDir, includingPropertiesForKeys: nil)!
        for case let url as URL in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let content = (attributes[.type] as? FileAttributeType) == .typeRegular ? try Data(contentsOf: url) : Data()
            out[String(url.path.dropFirst(gitDir.path.count))] = "\(attributes[.type] ?? "") \(content.count) \(content.hashValue)"
        }
        return out
    }

    func testNoModeWritesToTheRepository() throws {
        try CLI.write("HF_TOKEN=hf_FakeMoatTokenQwZxRtYuPlMnBvCxZaSdFgHj\n", to: "a.env", in: repo)
        try commit("one")
        try CLI.write("second\n", to: "b.txt", in: repo)
        try commit("two")
        try CLI.write("staged\n", to: "c.txt", in: repo)
        try CLI.git(["add", "c.txt"], in: repo)
        let bare = repo.deletingLastPathComponent().appendingPathComponent("moat-bare-\(UUID().uuidString).git")
        defer { try? FileManager.default.removeItem(at: bare) }
        try CLI.git(["clone", "-q", "--bare", repo.path, bare.path], in: repo)
        // HOME (where the rule database is cached) outside both repositories.
        let home = repo.deletingLastPathComponent().appendingPathComponent("moat-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        for (dir, gitDir) in [(repo!, repo.appendingPathComponent(".git")), (bare, bare)] {
            let before = try snapshot(gitDir)
            for arguments in [["history", "--no-progress"], ["history", "--no-progress", "--include-unreachable"], ["history", "--no-progress", "HEAD~1..HEAD"],
                              ["staged"], ["staged", "--format", "json"], ["scan", "."], ["hook", "status"]] {
                _ = try CLI.moat(arguments, in: dir, environment: ["HOME": home.path])
                let after = try snapshot(gitDir)
                let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
                XCTAssertEqual(changed, [], "moat \(arguments.joined(separator: " ")) changed files under \(gitDir.lastPathComponent)")
            }
        }
    }
}
