import MoatBytes
import MoatCore
import MoatGit
import MoatScan
import XCTest

/// Each scan end to end, in-process, on real repositories made by git.
final class ScansTests: XCTestCase {
    let scans = Scans(runner: ScanRunner(scanner: ContentScanner(secrets: SecretDetector()), workers: 2))
    let env = Array("HF_TOKEN=hf_FakeMoatTokenQwZxRtYuPlMnBvCxZaSdFgHj\n".utf8)

    func testWorkTreeScanFindsByContentAndRecordsWhatItSkipped() throws {
        let folder = try TemporaryFolder()
        try folder.put("models/data.bin", try fixtureBytes("positive/tiny-llama.safetensors"))
        try folder.put("notes.txt", Array("nothing here\n".utf8))
        try folder.put("pointer.safetensors", try fixtureBytes("negative/lfs/model.safetensors"))
        XCTAssertEqual(symlink("/nonexistent/target", folder.path + "/dangling"), 0)
        XCTAssertEqual(mkfifo(folder.path + "/pipe", 0o600), 0, "a FIFO would block a scan that opens it")
        let result = try scans.workTree([folder.path], respectIgnore: false)
        XCTAssertEqual(result.mode, .scan)
        XCTAssertEqual(result.filesScanned, 3)
        XCTAssertEqual(result.findings.map(\.format), ["safetensors"])
        XCTAssertEqual(result.skipped[.lfsPointers], 1)
        XCTAssertEqual(result.skipped[.brokenSymlinks], 1)
        XCTAssertEqual(result.skipped[.specialFiles], 1)
        XCTAssertTrue(result.warnings.contains { $0.hasSuffix("pipe: FIFO, skipped (not a regular file)") }, "\(result.warnings)")
    }

    func testStagedScanReportsTheStagedBlob() throws {
        let repo = try TemporaryFolder()
        try repo.git("init", "-q", "-b", "main")
        try repo.put("README", Array("hello\n".utf8))
        try repo.git("add", "README")
        try repo.git("commit", "-qm", "first")
        try repo.put("deploy/.env", env)
        try repo.git("add", "deploy/.env")
        let blob = try repo.git("rev-parse", ":deploy/.env")
        let result = try scans.staged(repository: repo.path)
        XCTAssertEqual(result.mode, .staged)
        XCTAssertEqual(result.filesScanned, 1, "only the staged change, not README")
        let secret = try XCTUnwrap(result.findings.first { $0.kind == .secret })
        XCTAssertEqual(secret.path.description, "deploy/.env")
        XCTAssertEqual(secret.blob, blob)
        XCTAssertEqual(ExitPolicy().decide(result), .blocked)
    }

    func testHistoryScanAttributesADeletedFileToTheCommitThatAddedIt() throws {
        let repo = try TemporaryFolder()
        try repo.git("init", "-q", "-b", "main")
        try repo.put("ci.env", env)
        try repo.git("add", "ci.env")
        try repo.git("commit", "-qm", "add env")
        let added = try repo.git("rev-parse", "HEAD")
        try repo.git("rm", "-q", "ci.env")
        try repo.git("commit", "-qm", "remove env")
        let result = try scans.history(Scans.HistoryRequest(selection: .allRefs(includeUnreachable: false)), repository: repo.path)
        XCTAssertEqual(result.mode, .history)
        XCTAssertEqual(result.commitsWalked, 2)
        let secret = try XCTUnwrap(result.findings.first { $0.kind == .secret })
        XCTAssertEqual(secret.commit, added)
        XCTAssertEqual(secret.provenance?.inHead, false)
        XCTAssertEqual(secret.provenance?.author, "Ada")
    }

    func testAShallowCloneNamesItsBoundaryWithoutFailing() throws {
        let origin = try TemporaryFolder()
        try origin.git("init", "-q", "-b", "main")
        for i in 0..<4 {
            try origin.put("f\(i).txt", Array("version \(i)\n".utf8))
            try origin.git("add", ".")
            try origin.git("commit", "-qm", "c\(i)")
        }
        let boundary = try origin.git("rev-parse", "HEAD~1")
        let clone = try TemporaryFolder()
        try clone.git("clone", "-q", "--depth", "2", "file://" + origin.path, "c")
        let result = try scans.history(Scans.HistoryRequest(selection: .allRefs(includeUnreachable: false)), repository: clone.path + "/c")
        XCTAssertEqual(result.shallowBoundary, [boundary])
        XCTAssertEqual(result.commitsWalked, 2)
        XCTAssertEqual(ExitPolicy().decide(result), .pass)
        let full = try scans.history(Scans.HistoryRequest(selection: .allRefs(includeUnreachable: false)), repository: origin.path)
        XCTAssertEqual(full.shallowBoundary, [])
    }

    func testNotARepositoryIsAnError() throws {
        let folder = try TemporaryFolder()
        XCTAssertThrowsError(try scans.staged(repository: folder.path))
    }
}

/// Rule files and the config, validated before anything is scanned.
final class ConfigurationTests: XCTestCase {
    let validRule = """
        secret_rules:
          - id: acme-deploy-key
            name: ACME deploy key
            keywords: [acmedk_]
            pattern: 'acmedk_(?<secret>[A-Za-z0-9]{24})'
        """

    func testAUserRuleFileAddsItsRules() throws {
        let folder = try TemporaryFolder()
        try folder.put("rules.yaml", Array(validRule.utf8))
        let set = try RuleSet.load(adding: [folder.path + "/rules.yaml"])
        XCTAssertEqual(set.secretRules.count, SecretRule.builtin.count + 1)
        XCTAssertEqual(set.secretRules.last?.id, "acme-deploy-key")
    }

    func testAPatternThatDoesNotCompileIsRejectedWithItsLine() throws {
        let folder = try TemporaryFolder()
        try folder.put("rules.yaml", Array(validRule.replacingOccurrences(of: "{24})'", with: "{24}'").utf8))
        XCTAssertThrowsError(try RuleSet.load(adding: [folder.path + "/rules.yaml"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("rules.yaml:2"), text)
            XCTAssertTrue(text.contains("does not compile"), text)
        }
    }

    func testAnIDTakenByABuiltInRuleIsRejected() throws {
        let folder = try TemporaryFolder()
        let taken = try XCTUnwrap(SecretRule.builtin.first).id
        try folder.put("rules.yaml", Array(validRule.replacingOccurrences(of: "acme-deploy-key", with: taken).utf8))
        XCTAssertThrowsError(try RuleSet.load(adding: [folder.path + "/rules.yaml"])) { error in
            XCTAssertTrue("\(error)".contains("duplicate id"), "\(error)")
        }
    }

    func testConfigNamesRuleFilesRelativeToItself() throws {
        let config = try MoatConfig.parse("rules:\n  - security/rules.yaml\n  - /etc/moat.yaml\n", path: "repo/.moat.yaml")
        XCTAssertEqual(config.ruleFiles, ["repo/security/rules.yaml", "/etc/moat.yaml"])
        XCTAssertEqual(try MoatConfig.parse("", path: ".moat.yaml").ruleFiles, [])
    }

    func testConfigRejectsUnknownKeysWithTheirLine() {
        XCTAssertThrowsError(try MoatConfig.parse("rules: []\nallowlist: [x]\n", path: ".moat.yaml")) { error in
            XCTAssertEqual("\(error)", ".moat.yaml:2: unknown key 'allowlist' (known: rules, allow, baseline, fail-on, disable, thresholds, lfs, max-file-size, protected)")
        }
        XCTAssertThrowsError(try MoatConfig.parse("rules: 3\n", path: "c.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("c.yaml:1:"), "\(error)")
        }
    }

    func testInvalidYAMLIsOneLineWithoutTheSource() {
        let token = "hf_FakeMoatTestTokenAbCdEfGhIjKlMnOp"
        XCTAssertThrowsError(try MoatConfig.parse("rules:\n  - a.yaml\n token: [\(token)\n", path: "c.yaml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("c.yaml:"), text)
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertFalse(text.contains(token), text)
        }
        let bomb = String(repeating: "[", count: 100_000)
        XCTAssertThrowsError(try MoatConfig.parse(bomb, path: "c.yaml")) { error in
            XCTAssertLessThan("\(error)".utf8.count, 300, "\(error)")
        }
    }

    func testAMissingDefaultConfigIsEmptyButAMissingExplicitOneIsAnError() throws {
        XCTAssertThrowsError(try MoatConfig.load(explicit: "/nonexistent/moat.yaml"))
    }
}
