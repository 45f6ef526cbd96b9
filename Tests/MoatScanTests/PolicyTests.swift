import MoatBytes
import MoatCore
import MoatScan
import XCTest

/// Allowlists, inline comments, baselines, fail-on and disabled rules, through the real pipeline.
final class PolicyTests: XCTestCase {
    let token = "hf_FakeMoatTokenQwZxRtYuPlMnBvCxZaSdFgHj"
    var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder() }

    /// Scans `folder` with `.moat.yaml` = `config` (and the extra settings given).
    func scan(config: String?, baseline: String? = nil, failOn: Severity? = nil, under: String = "") throws -> ScanResult {
        if let config { try folder.put(".moat.yaml", Array(config.utf8)) }
        var settings = DetectionSettings(baselineFile: baseline, failOn: failOn)
        settings.configSearchStart = folder.path
        return try settings.scans(database: .cachedOnly, workers: 2).workTree([folder.path + under], respectIgnore: false)
    }

    func testAPathEntryAcceptsFixturesAndAnEntryThatMatchesNothingIsReported() throws {
        try folder.put("tests/fixtures/ci.env", Array("HF_TOKEN=\(token)\n".utf8))
        try folder.put("app/ci.env", Array("HF_TOKEN=\(token)\n".utf8))
        let result = try scan(config: """
            allow:
              - path: "**/tests/fixtures/**"
                reason: test data
              - path: "docs/**"
                reason: nothing there
            """)
        XCTAssertEqual(result.findings.filter { $0.kind == .secret }.map { String($0.path.description.suffix(10)) }, ["app/ci.env"])
        let accepted = try XCTUnwrap(result.suppressed.first)
        XCTAssertEqual(accepted.suppression, Suppression(source: .allowlist(0), reason: "test data"))
        XCTAssertEqual(result.unusedAllowEntries.count, 1)
        XCTAssertTrue(result.unusedAllowEntries[0].contains("allow entry 2") && result.unusedAllowEntries[0].contains(".moat.yaml:4"), result.unusedAllowEntries[0])
    }

    func testValueEntriesMatchTheSecretItself() throws {
        // Under src/: the config holding the value is not scanned.
        try folder.put("src/a.env", Array("HF_TOKEN=\(token)\n".utf8))
        try folder.put("src/b.env", Array("HF_TOKEN=hf_FakeMoatOtherQwZxRtYuPlMnBvCxZaSdFgHj\n".utf8))
        let exact = try scan(config: "allow:\n  - value: \(token)\n    reason: published demo token\n", under: "/src")
        XCTAssertEqual(exact.suppressed.map { $0.path.description.hasSuffix("a.env") }, [true])
        XCTAssertEqual(exact.findings.filter { $0.kind == .secret }.count, 1)
        let regex = try scan(config: "allow:\n  - rule: \"secret.huggingface-*\"\n    value-regex: '^hf_FakeMoat'\n", under: "/src")
        XCTAssertEqual(regex.suppressed.count, 2)
        XCTAssertTrue(regex.findings.allSatisfy { $0.kind != .secret })
        let otherRule = try scan(config: "allow:\n  - rule: \"secret.openai-*\"\n    value-regex: '^hf_'\n", under: "/src")
        XCTAssertEqual(otherRule.suppressed.count, 0)
    }

    func testInlineCommentsOnTheLineOrTheLineAbove() throws {
        try folder.put("same.py", Array("TOKEN = \"\(token)\"  # moat:allow public demo token\n".utf8))
        try folder.put("above.py", Array("# moat:allow secret.huggingface-access-token: CI fixture\nTOKEN = \"\(token)\"\n".utf8))
        try folder.put("wrongrule.py", Array("# moat:allow secret.openai-api-key\nTOKEN = \"\(token)\"\n".utf8))
        try folder.put("far.py", Array("# moat:allow\n\nTOKEN = \"\(token)\"\n".utf8))
        let result = try scan(config: nil)
        let reasons = Dictionary(uniqueKeysWithValues: result.suppressed.map { (String($0.path.description.split(separator: "/").last!), $0.suppression?.reason ?? "") })
        XCTAssertEqual(reasons, ["same.py": "public demo token", "above.py": "CI fixture"])
        XCTAssertEqual(Set(result.findings.map { String($0.path.description.split(separator: "/").last!) }), ["wrongrule.py", "far.py"])
    }

    func testABaselineAcceptsTodaysFindingsByContent() throws {
        try folder.put("ci.env", Array("HF_TOKEN=\(token)\n".utf8))
        try folder.put("model/data.bin", try fixtureBytes("positive/tiny-llama.safetensors"))
        let first = try scan(config: nil)
        XCTAssertEqual(first.findings.count, 2)
        let baselinePath = folder.path + "/../moat-baseline-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: baselinePath) }
        try Baseline(findings: first.findings).serialized().write(toFile: baselinePath, atomically: true, encoding: .utf8)
        // The secret moves to another line and file, the weights are renamed: still accepted.
        try FileManager.default.removeItem(atPath: folder.path + "/ci.env")
        try FileManager.default.moveItem(atPath: folder.path + "/model/data.bin", toPath: folder.path + "/weights.bin")
        try folder.put("deploy/prod.env", Array("# production\n\nHF_TOKEN=\(token)\n".utf8))
        let moved = try scan(config: nil, baseline: baselinePath)
        XCTAssertEqual(moved.findings.count, 0, "\(moved.findings.map(\.path))")
        XCTAssertEqual(moved.suppressed.count, 2)
        XCTAssertEqual(moved.staleBaselineEntries, 0)
        // A changed value is a new finding, and its old entry is stale.
        try folder.put("deploy/prod.env", Array("HF_TOKEN=hf_FakeMoatRotatedQwZxRtYuPlMnBvCxZaSdFgH\n".utf8))
        let rotated = try scan(config: nil, baseline: baselinePath)
        XCTAssertEqual(rotated.findings.map(\.kind), [.secret])
        XCTAssertEqual(rotated.staleBaselineEntries, 1)
        // Round trip of the file format.
        let text = try String(contentsOfFile: baselinePath, encoding: .utf8)
        XCTAssertEqual(try Baseline.parse(Array(text.utf8)).get(), Baseline(findings: first.findings))
        XCTAssertThrowsError(try Baseline.parse(Array("{\"version\": 1, \"findings\": [{\"fingerprint\": \"xyz\"}]}".utf8)).get())
    }

    func testFailOnAndDisabledRules() throws {
        try folder.put("data.bin", try fixtureBytes("positive/tiny-llama.safetensors"))  // 24.7K parameters: warn
        XCTAssertEqual(ExitPolicy().decide(try scan(config: nil)), .pass)
        XCTAssertEqual(ExitPolicy().decide(try scan(config: "fail-on: warn\n")), .blocked)
        XCTAssertEqual(ExitPolicy().decide(try scan(config: "fail-on: info\n", failOn: .block)), .pass, "the command line wins")
        XCTAssertEqual(try scan(config: "fail-on: warn\ndisable: [model-weights]\n").findings.count, 0)
        XCTAssertEqual(try scan(config: "disable: [\"artifact.safe*\"]\n").findings.count, 0)
        let lowered = try scan(config: "thresholds: { model-block-elements: 20000 }\n")
        XCTAssertEqual(lowered.findings.first?.severity, .block)
    }

    func testDatasetsBlockFromTheConfiguredSize() throws {
        // A 300 KB CSV: warns under the default 1 MiB, blocks when the team lowers the threshold.
        try folder.put("ratings.csv", try fixtureBytes("positive/datasets/ratings.csv"))
        let byDefault = try scan(config: nil)
        XCTAssertEqual(byDefault.findings.map(\.severity), [.warn])
        XCTAssertEqual(ExitPolicy().decide(byDefault), .pass)
        let lowered = try scan(config: "thresholds: { dataset-block-bytes: 262144 }\n")
        XCTAssertEqual(lowered.findings.map(\.severity), [.block])
        XCTAssertEqual(ExitPolicy().decide(lowered), .blocked)
        XCTAssertEqual(try scan(config: "disable: [dataset]\n").findings.count, 0)
    }

    func testConfigMistakesNameTheirLine() {
        let cases = [
            ("allow:\n  - path: \"tests/[abc\"\n", ":2:", "unclosed ["),
            ("allow:\n  - path: x\n    because: y\n", ":3:", "unknown key 'because'"),
            ("allow:\n  - reason: only a reason\n", ":2:", "at least one of"),
            ("allow:\n  - value-regex: '(unclosed'\n", ":2:", "does not compile"),
            ("fail-on: sometimes\n", ":1:", "block, warn or info"),
            ("thresholds:\n  model-block: 3\n", ":2:", "unknown threshold"),
        ]
        for (text, line, reason) in cases {
            XCTAssertThrowsError(try MoatConfig.parse(text, path: "m.yaml"), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("m.yaml" + line) && "\(error)".contains(reason), "\(text) -> \(error)")
            }
        }
    }

    /// Found by the config fuzzer: unknown keys and bad globs were quoted raw (line breaks, escape
    /// sequences, 64 KiB values) into the one-line error.
    func testConfigErrorsQuoteContentEscapedAndShort() {
        let cases = ["\"a\\nb\": 1\n", "\"\\e[31mred\": 1\n", String(repeating: "k", count: 10_000) + ": x\n",
                     "lfs: { required: [\"models/[\\u202e\(String(repeating: "x", count: 5_000))\"] }\n"]
        for text in cases {
            XCTAssertThrowsError(try MoatConfig.parse(text, path: "m.yaml")) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("m.yaml:1: "), message)
                XCTAssertFalse(message.unicodeScalars.contains(where: TerminalText.isUnsafe), message.debugDescription)
                XCTAssertLessThan(message.count, 200, message)
            }
        }
    }

    func testTheNearestConfigUpToTheRepositoryRootIsUsed() throws {
        try folder.git("init", "-q", "-b", "main")
        try folder.put(".moat.yaml", Array("fail-on: warn\n".utf8))
        try folder.put("a/b/c/file.txt", Array("x\n".utf8))
        XCTAssertEqual(MoatConfig.discover(from: folder.path + "/a/b/c"), folder.path + "/a/b/c/../../../.moat.yaml".replacingOccurrences(of: "/a/b/c/../../..", with: ""))
        try folder.put("a/.moat.yaml", Array("fail-on: info\n".utf8))
        XCTAssertEqual(MoatConfig.discover(from: folder.path + "/a/b/c/file.txt"), folder.path + "/a/.moat.yaml")
        // Not above the repository root.
        let inner = try TemporaryFolder()
        try inner.git("init", "-q", "-b", "main")
        XCTAssertNil(MoatConfig.discover(from: inner.path))
    }
}
