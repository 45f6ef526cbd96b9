import Foundation
import XCTest

/// The installed pre-commit hook, driven through real `git commit` in the three ways of committing.
final class HookEndToEndTests: XCTestCase {
    var repo: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built at \(CLI.moat.path)")
        repo = try CLI.makeRepository()
        try CLI.write("# project\n", to: "README.md", in: repo)
        try CLI.git(["add", "README.md"], in: repo)
        try CLI.git(["commit", "-q", "-m", "init"], in: repo)
        let install = try CLI.moat(["hook", "install"], in: repo)
        XCTAssertEqual(install.status, 0, install.stderr)
    }

    override func tearDownWithError() throws {
        if let r = repo { try? FileManager.default.removeItem(at: r) }
    }

    func headCount() throws -> Int {
        Int(try CLI.git(["rev-list", "--count", "HEAD"], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func testGitAddThenCommitIsBlocked() throws {
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "checkpoint-500/model_weights.bin", bytes: 1 << 20, in: repo)
        try CLI.git(["add", "."], in: repo)
        let r = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["commit", "-q", "-m", "leak"], in: repo)
        XCTAssertNotEqual(r.status, 0, "the commit went through")
        XCTAssertTrue(r.stdout.contains("checkpoint-500/model_weights.bin") || r.stderr.contains("checkpoint-500/model_weights.bin"), r.stdout + r.stderr)
        XCTAssertEqual(try headCount(), 1)
    }

    func testCommitAllWithTemporaryIndexIsBlocked() throws {
        // A tracked file is replaced by weights: `git commit -a` stages it into a temporary index.
        try CLI.write("placeholder\n", to: "data.bin", in: repo)
        try CLI.git(["add", "data.bin"], in: repo)
        try CLI.git(["commit", "-q", "-m", "placeholder"], in: repo)
        // 4 MB of real float32 weights (1M elements): a blocking tensor dump even under a neutral name.
        try CLI.plantTiled("positive/weights_fc1.f32.bin", as: "data.bin", bytes: 4 << 20, in: repo)
        let r = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["commit", "-a", "-q", "-m", "leak"], in: repo)
        XCTAssertNotEqual(r.status, 0, "git commit -a let the weights through")
        XCTAssertEqual(try headCount(), 2)
    }

    func testCommitWithPathspecIsBlocked() throws {
        try CLI.write("placeholder\n", to: "grads.bin", in: repo)
        try CLI.git(["add", "grads.bin"], in: repo)
        try CLI.git(["commit", "-q", "-m", "placeholder"], in: repo)
        try CLI.plantTiled("positive/grads.bin", as: "grads.bin", bytes: 512 << 10, in: repo)
        let r = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["commit", "-q", "-m", "leak", "grads.bin"], in: repo)
        XCTAssertNotEqual(r.status, 0, "git commit <path> let the weights through")
        XCTAssertEqual(try headCount(), 2)
    }

    func testCleanCommitGoesThrough() throws {
        try CLI.write("print('hello')\n", to: "train.py", in: repo)
        try CLI.plant("negative/noise.png", as: "docs/noise.png", in: repo)
        try CLI.plant("negative/lfs/model.safetensors", as: "model.safetensors", in: repo)
        try CLI.git(["add", "."], in: repo)
        let r = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["commit", "-q", "-m", "clean"], in: repo)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(try headCount(), 2)
    }

    func testTheProjectConfigAllowsFixturesThroughTheHook() throws {
        try CLI.write("allow:\n  - path: \"tests/fixtures/**\"\n    reason: test data\n", to: ".moat.yaml", in: repo)
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "tests/fixtures/weights.bin", bytes: 1 << 20, in: repo)
        try CLI.git(["add", "."], in: repo)
        let allowed = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["commit", "-q", "-m", "fixture"], in: repo)
        XCTAssertEqual(allowed.status, 0, allowed.stdout + allowed.stderr)
        XCTAssertEqual(try headCount(), 2)
        // The same bytes elsewhere are still blocked.
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "models/weights.bin", bytes: 1 << 20, in: repo)
        try CLI.git(["add", "."], in: repo)
        let blocked = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["commit", "-q", "-m", "leak"], in: repo)
        XCTAssertNotEqual(blocked.status, 0)
        XCTAssertEqual(try headCount(), 2)
    }

    func testABaselineAcceptsTheHistoryAsItIsAndOnlyNewLeaksFail() throws {
        try CLI.write("HF_TOKEN=hf_FakeMoatTokenQwZxRtYuPlMnBvCxZaSdFgHj\n", to: "old.env", in: repo)
        try CLI.git(["add", "."], in: repo)
        try CLI.git(["commit", "-q", "--no-verify", "-m", "an old leak"], in: repo)
        let baseline = repo.appendingPathComponent(".moat-baseline.json").path
        let write = try CLI.moat(["history", "--no-progress", "--write-baseline", baseline], in: repo)
        XCTAssertEqual(write.status, 0, write.stderr)
        XCTAssertTrue(write.stderr.contains("wrote 1 finding"), write.stderr)
        XCTAssertEqual(try CLI.moat(["history", "--no-progress", "--baseline", baseline], in: repo).status, 0)
        XCTAssertEqual(try CLI.moat(["history", "--no-progress"], in: repo).status, 1, "without the baseline it still fails")
        try CLI.write("baseline: .moat-baseline.json\n", to: ".moat.yaml", in: repo)
        XCTAssertEqual(try CLI.moat(["history", "--no-progress"], in: repo).status, 0, "the config names the baseline")
        try CLI.write("HF_TOKEN=hf_FakeMoatOtherQwZxRtYuPlMnBvCxZaSdFgHj\n", to: "new.env", in: repo)
        try CLI.git(["add", "new.env"], in: repo)
        try CLI.git(["commit", "-q", "--no-verify", "-m", "a new leak"], in: repo)
        let r = try CLI.moat(["history", "--no-progress", "--format", "json", "--show-suppressed"], in: repo)
        XCTAssertEqual(r.status, 1)
        let report = try CLI.json(r.stdout)
        XCTAssertEqual(CLI.findings(report).compactMap { $0["path"] as? String }, ["new.env"])
        XCTAssertEqual((report["suppressed"] as? [[String: Any]])?.compactMap { $0["path"] as? String }, ["old.env"])
        XCTAssertEqual((report["scan"] as? [String: Any])?["suppressed"] as? Int, 1)
    }

    func testThePreCommitFrameworkRunsMoatFromThisRepository() throws {
        let preCommit = ["/usr/local/bin/pre-commit", "/root/.pyenv/shims/pre-commit", "/usr/bin/pre-commit"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let preCommit else { throw XCTSkip("pre-commit is not installed (scripts/setup.sh installs it)") }
        let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = CLI.productsDirectory.path + ":/usr/local/bin:/usr/bin:/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "ckpt/weights.bin", bytes: 1 << 20, in: repo)
        try CLI.git(["add", "."], in: repo)
        let env: [String: String?] = ["PATH": path, "PRE_COMMIT_HOME": repo.appendingPathComponent(".pre-commit-cache").path]
        let blocked = try CLI.run(URL(fileURLWithPath: preCommit), ["try-repo", project.path, "moat"], in: repo, environment: env)
        XCTAssertNotEqual(blocked.status, 0, blocked.stdout)
        XCTAssertTrue(blocked.stdout.contains("ckpt/weights.bin"), blocked.stdout + blocked.stderr)
        try CLI.git(["rm", "-q", "--cached", "ckpt/weights.bin"], in: repo)
        try CLI.write("print('ok')\n", to: "train.py", in: repo)
        try CLI.git(["add", "train.py"], in: repo)
        let passed = try CLI.run(URL(fileURLWithPath: preCommit), ["try-repo", project.path, "moat"], in: repo, environment: env)
        XCTAssertEqual(passed.status, 0, passed.stdout + passed.stderr)
    }
}
