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
}
