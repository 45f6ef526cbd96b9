import Foundation
import XCTest

/// The server-side hook: a real bare repository with `moat hook install --pre-receive`, and real
/// `git push`es from a clone. git runs the hook with the pushed objects in a quarantine directory
/// (loose objects for a small push, a pack for a big one): moat must read them there.
final class PreReceiveHookTests: XCTestCase {
    var root: URL!
    var server: URL { root.appendingPathComponent("server.git") }
    var clone: URL { root.appendingPathComponent("clone") }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        root = FileManager.default.temporaryDirectory.appendingPathComponent("moat-receive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try CLI.git(["init", "-q", "--bare", "-b", "main", server.path], in: root)
        try installHook()
        try CLI.git(["clone", "-q", server.path, clone.path], in: root)
        try CLI.git(["checkout", "-q", "-b", "main"], in: clone)
        try CLI.git(["config", "commit.gpgsign", "false"], in: clone)
        try CLI.write("# project\n", to: "README.md", in: clone)
        try commit("init")
        let first = try push(["origin", "main"])
        XCTAssertEqual(first.status, 0, "a clean first push (a ref creation) was refused: \(first.stderr)")
    }

    override func tearDownWithError() throws {
        if let r = root { try? FileManager.default.removeItem(at: r) }
    }

    func installHook() throws {
        let install = try CLI.moat(["hook", "install", "--pre-receive", "-C", server.path], in: root)
        XCTAssertEqual(install.status, 0, install.stderr)
        XCTAssertTrue(install.stdout.contains("installed pre-receive hook"), install.stdout)
    }

    func commit(_ message: String) throws {
        try CLI.git(["add", "-A"], in: clone)
        try CLI.git(["commit", "-q", "-m", message], in: clone)
    }

    func push(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["push"] + arguments, in: clone)
    }

    func serverRef(_ ref: String) throws -> String? {
        let r = try CLI.run(URL(fileURLWithPath: "/usr/bin/git"), ["rev-parse", "-q", "--verify", ref], in: server)
        return r.status == 0 ? r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Every file of the server's git directory with its size (a refused push leaves nothing behind).
    func serverFiles() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for case let url as URL in FileManager.default.enumerator(at: server, includingPropertiesForKeys: nil)! {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            out[String(url.path.dropFirst(server.path.count))] = (attributes[.size] as? Int) ?? -1
        }
        return out
    }

    func testPushCarryingACheckpointIsRefusedAndNamesTheFile() throws {
        let before = try serverRef("main")
        let files = try serverFiles()
        // 2 MiB: bigger than a history sweep reads whole, so it is streamed from the quarantine.
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "checkpoint-500/model_weights.bin", bytes: 2 << 20, in: clone)
        try commit("add a checkpoint")
        let refused = try push(["origin", "main"])
        XCTAssertNotEqual(refused.status, 0, "the push went through")
        XCTAssertTrue(refused.stderr.contains("remote: BLOCK checkpoint-500/model_weights.bin"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("pre-receive hook declined"), refused.stderr)
        // Advice for a push that was stopped, not for a published history.
        XCTAssertTrue(refused.stderr.contains("at the pushed tip"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("remote: To fix (the push was stopped; nothing was published):"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("re-cloned"), refused.stderr)
        XCTAssertEqual(try serverRef("main"), before)
        XCTAssertEqual(try serverFiles(), files, "the refused push left something in the server's repository")
    }

    func testASecretAddedThenDeletedInThePushIsRefused() throws {
        try CLI.write("HF_TOKEN=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\n", to: "config/.env", in: clone)
        try commit("token")
        try FileManager.default.removeItem(at: clone.appendingPathComponent("config/.env"))
        try commit("remove it again")
        let refused = try push(["origin", "main"])
        XCTAssertNotEqual(refused.status, 0, "the push went through")
        XCTAssertTrue(refused.stderr.contains("remote: BLOCK config/.env:1"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("deleted in a later commit, but still in the pushed commits"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("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"), "the full secret was printed")
    }

    /// With receive.unpackLimit 1 git keeps every push as a pack in the quarantine (as it does for
    /// any push of 100 objects or more): moat's pack readers must look there too.
    func testAPushKeptAsAPackInTheQuarantineIsScanned() throws {
        try CLI.git(["config", "receive.unpackLimit", "1"], in: server)
        for i in 0..<30 { try CLI.write("print(\(i))\n", to: "src/m\(i).py", in: clone) }
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "checkpoint-9/model_weights.bin", bytes: 2 << 20, in: clone)
        try CLI.write("AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM2\nAWS_SECRET_ACCESS_KEY=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\n", to: "aws.env", in: clone)
        try commit("many files")
        let refused = try push(["origin", "main"])
        XCTAssertNotEqual(refused.status, 0, "the push went through")
        XCTAssertTrue(refused.stderr.contains("remote: BLOCK checkpoint-9/model_weights.bin"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("remote: BLOCK aws.env"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("could not be read"), refused.stderr)
    }

    func testCleanPushAndBranchDeletionAreAccepted() throws {
        try CLI.write("print('train')\n", to: "train.py", in: clone)
        try commit("clean work")
        let clean = try push(["origin", "main"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertEqual(try serverRef("main"), try CLI.git(["rev-parse", "HEAD"], in: clone).stdout.trimmingCharacters(in: .whitespacesAndNewlines))

        try CLI.git(["checkout", "-q", "-b", "feature"], in: clone)
        try CLI.write("print('feature')\n", to: "feature.py", in: clone)
        try commit("feature")
        XCTAssertEqual(try push(["origin", "feature"]).status, 0)
        XCTAssertNotNil(try serverRef("refs/heads/feature"))
        let deletion = try push(["origin", "--delete", "feature"])
        XCTAssertEqual(deletion.status, 0, deletion.stderr)
        XCTAssertNil(try serverRef("refs/heads/feature"))
    }

    /// Content the server already holds (pushed before the hook was installed) is not scanned
    /// again: a new branch at a known commit, or with new clean commits on top, goes through.
    func testANewBranchWithOnlyKnownObjectsIsAccepted() throws {
        XCTAssertEqual(try CLI.moat(["hook", "uninstall", "--pre-receive", "-C", server.path], in: root).status, 0)
        try CLI.plantTiled("positive/weights_fc1.bf16.bin", as: "legacy/model.bin", bytes: 1 << 20, in: clone)
        try commit("legacy weights, pushed before moat")
        XCTAssertEqual(try push(["origin", "main"]).status, 0)
        try installHook()

        let sameCommit = try push(["origin", "main:refs/heads/copy"])
        XCTAssertEqual(sameCommit.status, 0, sameCommit.stderr)
        XCTAssertFalse(sameCommit.stderr.contains("BLOCK"), sameCommit.stderr)

        try CLI.git(["checkout", "-q", "-b", "topic"], in: clone)
        try CLI.write("print('topic')\n", to: "topic.py", in: clone)
        try commit("topic")
        let topic = try push(["origin", "topic"])
        XCTAssertEqual(topic.status, 0, topic.stderr)

        // The hook is live: the same branch with a new leak is refused.
        try CLI.write("HF_TOKEN=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\n", to: ".env", in: clone)
        try commit("token")
        XCTAssertNotEqual(try push(["origin", "topic"]).status, 0)
    }

    func testHookStatusInTheBareRepositoryAndUninstall() throws {
        let status = try CLI.moat(["hook", "status", "-C", server.path], in: root)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("pre-receive: installed"), status.stdout)
        let uninstall = try CLI.moat(["hook", "uninstall", "--pre-receive", "-C", server.path], in: root)
        XCTAssertEqual(uninstall.status, 0, uninstall.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.appendingPathComponent("hooks/pre-receive").path))
    }

    /// The mode itself, outside a hook: bad input is a usage error (exit 2, which also refuses).
    func testMalformedInputExitsTwo() throws {
        let r = try CLI.run(CLI.moat, ["history", "--pre-receive"], in: server, stdin: "not a ref line\n")
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("pre-receive input, line 1: expected '<old sha> <new sha> <ref>'"), r.stderr)
        let conflicting = try CLI.moat(["history", "--pre-receive", "HEAD"], in: server)
        XCTAssertEqual(conflicting.status, 2, conflicting.stderr)
    }
}
