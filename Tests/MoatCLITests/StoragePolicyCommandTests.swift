import Foundation
import XCTest

/// `lfs: required` and `max-file-size` from `.moat.yaml`, end to end: a real `git commit` through
/// the installed hook, `moat history`, and config errors.
final class StoragePolicyCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        dir = try CLI.makeRepository()
    }

    override func tearDownWithError() throws {
        if let d = dir { try? FileManager.default.removeItem(at: d) }
    }

    /// The bytes `git lfs` commits in place of a file (spec v1), written by hand: git-lfs is not installed.
    func pointer(_ name: String, size: Int) throws {
        try CLI.write("version https://git-lfs.github.com/spec/v1\noid sha256:\(String(repeating: "5e", count: 32))\nsize \(size)\n", to: name, in: dir)
    }

    func rules(_ r: CLI.Result) throws -> [String] {
        CLI.findings(try CLI.json(r.stdout)).map { "\($0["path"] as? String ?? "?") \($0["rule"] as? String ?? "?")" }.sorted()
    }

    func testTheHookRefusesWeightsCommittedWithoutLFSWhereLFSIsRequired() throws {
        try CLI.write("lfs:\n  required:\n    - \"models/**\"\n", to: ".moat.yaml", in: dir)
        XCTAssertEqual(try CLI.moat(["hook", "install"], in: dir).status, 0)
        let env: [String: String?] = ["PATH": CLI.productsDirectory.path + ":/usr/bin:/bin"]
        try pointer("models/model.safetensors", size: 500_000_000)
        try CLI.git(["add", "-A"], in: dir)
        try CLI.git(["commit", "-q", "-m", "pointer"], in: dir, environment: env)

        try CLI.write("{\"vocab_size\": 32000}\n", to: "models/config.json", in: dir)
        try CLI.git(["add", "-A"], in: dir)
        let refused = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["commit", "-q", "-m", "config"], in: dir, environment: env)
        XCTAssertNotEqual(refused.status, 0, "the hook let a non-pointer into models/")
        XCTAssertTrue(refused.stdout.contains("policy.lfs-required") || refused.stderr.contains("policy.lfs-required"), refused.stdout + refused.stderr)
        let staged = try CLI.moat(["staged", "--format", "json"], in: dir)
        XCTAssertEqual(staged.status, 1)
        XCTAssertEqual(try rules(staged), ["models/config.json policy.lfs-required"])

        try CLI.git(["commit", "-q", "--no-verify", "-m", "config anyway"], in: dir)
        try CLI.plant("positive/tiny-llama.safetensors", as: "elsewhere/model.safetensors", in: dir)
        try CLI.git(["add", "-A"], in: dir)
        try CLI.git(["commit", "-q", "--no-verify", "-m", "weights outside models/"], in: dir)
        let history = try CLI.moat(["history", "--format", "json"], in: dir)
        XCTAssertEqual(history.status, 1)
        XCTAssertEqual(try rules(history), ["elsewhere/model.safetensors artifact.safetensors", "models/config.json policy.lfs-required"])
    }

    func testTheSizeGateBlocksAnyLargeFileInEveryMode() throws {
        try CLI.write("max-file-size: 20KB\n", to: ".moat.yaml", in: dir)
        try CLI.write(".cache/\n", to: ".gitignore", in: dir)  // HOME is the repository: moat's rule cache is there
        try CLI.write(String(repeating: "a line of plain text that is not a secret\n", count: 1000), to: "notes.txt", in: dir)
        try CLI.write("short\n", to: "short.txt", in: dir)
        for arguments in [["scan"], ["staged"]] {
            try CLI.git(["add", "-A"], in: dir)
            let r = try CLI.moat(arguments + ["--format", "json"], in: dir)
            XCTAssertEqual(r.status, 1, "\(arguments)")
            XCTAssertEqual(try rules(r), ["notes.txt policy.large-file"], "\(arguments)")
        }
        try CLI.git(["commit", "-q", "-m", "notes"], in: dir)
        XCTAssertEqual(try rules(try CLI.moat(["history", "--format", "json"], in: dir)), ["notes.txt policy.large-file"])
        let text = try CLI.moat(["scan"], in: dir)
        XCTAssertTrue(text.stdout.contains("large file: 42 KB, over max-file-size (20 KB)"), text.stdout)
        let sarif = try CLI.moat(["scan", "--format", "sarif"], in: dir)
        XCTAssertTrue(sarif.stdout.contains("\"id\": \"policy.large-file\"") || sarif.stdout.contains("\"id\":\"policy.large-file\""), sarif.stdout)
        XCTAssertTrue(sarif.stdout.contains("Storage policy: large file"), sarif.stdout)
    }

    func testABadSizeOrGlobIsAnErrorWithFileAndLine() throws {
        try CLI.write("fail-on: block\nmax-file-size: 5 megabytes\n", to: ".moat.yaml", in: dir)
        let r = try CLI.moat(["scan"], in: dir)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains(".moat.yaml:2: `max-file-size` must be a size"), r.stderr)
        try CLI.write("lfs:\n  required: [\"models/[a\"]\n", to: ".moat.yaml", in: dir)
        let g = try CLI.moat(["staged"], in: dir)
        XCTAssertEqual(g.status, 2)
        XCTAssertTrue(g.stderr.contains(".moat.yaml:2: bad lfs.required glob 'models/[a': unclosed ["), g.stderr)
    }
}
