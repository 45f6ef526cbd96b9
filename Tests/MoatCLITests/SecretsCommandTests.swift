import Foundation
import XCTest

/// Secrets through the CLI: redaction, --show-secrets, user rule files, `moat rules --test`.
final class SecretsCommandTests: XCTestCase {
    var repo: URL!
    // Fake, format-valid values made for these tests.
    let hfToken = "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"

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        repo = try CLI.makeRepository()
    }

    override func tearDownWithError() throws {
        if let r = repo { try? FileManager.default.removeItem(at: r) }
    }

    func testStagedTokenIsBlockedAndRedacted() throws {
        try CLI.write("import os\n\nHF_TOKEN = \"\(hfToken)\"\n", to: "train.py", in: repo)
        try CLI.git(["add", "."], in: repo)
        let r = try CLI.moat(["staged", "--format", "json"], in: repo)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(r.stdout.contains(hfToken), "the full value leaked into the report")
        let f = try XCTUnwrap(CLI.findings(try CLI.json(r.stdout)).first)
        XCTAssertEqual(f["kind"] as? String, "secret")
        XCTAssertEqual(f["rule"] as? String, "secret.huggingface-access-token")
        XCTAssertEqual(f["line"] as? Int, 3)
        XCTAssertEqual(f["column"] as? Int, 13)
        let secret = try XCTUnwrap(f["secret"] as? [String: Any])
        XCTAssertTrue((secret["preview"] as? String ?? "").hasPrefix("hf_p"))
        XCTAssertNil(secret["value"])
        let shown = try CLI.moat(["staged", "--format", "json", "--show-secrets"], in: repo)
        XCTAssertTrue(shown.stdout.contains(hfToken))
        let text = try CLI.moat(["staged", "--color", "never"], in: repo)
        XCTAssertTrue(text.stdout.contains("train.py:3:13"), text.stdout)
        XCTAssertFalse(text.stdout.contains(hfToken))
        XCTAssertTrue(text.stdout.contains("--show-secrets"), "the advice names the flag")
        let shownText = try CLI.moat(["staged", "--color", "never", "--show-secrets"], in: repo)
        XCTAssertTrue(shownText.stdout.contains("value: \(hfToken)"), shownText.stdout)
        XCTAssertFalse(shownText.stdout.contains("Run with --show-secrets"), "no advice to do what was done")
    }

    func testUserRuleFileAddsARuleAndAMalformedOneExitsTwo() throws {
        let rules = """
            secret_rules:
              - id: acme-internal-key
                name: ACME internal API key
                category: secret
                keywords: ["acme_"]
                pattern: '(?<secret>acme_[a-z0-9]{24})(?![a-z0-9])'
                examples:
                  match: ['key = acme_0123456789abcdefghijklmn']
                  no_match: ['acme_short']
            """
        try CLI.write(rules, to: "../moat-rules-\(repo.lastPathComponent).yaml", in: repo)
        let ruleFile = repo.deletingLastPathComponent().appendingPathComponent("moat-rules-\(repo.lastPathComponent).yaml")
        defer { try? FileManager.default.removeItem(at: ruleFile) }
        try CLI.write("token = acme_0123456789abcdefghijklmn\n", to: "app.cfg", in: repo)
        let r = try CLI.moat(["scan", "--format", "json", "--rules", ruleFile.path], in: repo)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(CLI.findings(try CLI.json(r.stdout)).contains { $0["rule"] as? String == "secret.acme-internal-key" })
        let test = try CLI.moat(["rules", "--test", "--rules", ruleFile.path], in: repo)
        XCTAssertEqual(test.status, 0, test.stdout)

        try CLI.write("secret_rules:\n  - id: broken\n    name: x\n    pattern: '('\n", to: "bad.yaml", in: repo)
        let bad = try CLI.moat(["scan", "--rules", repo.appendingPathComponent("bad.yaml").path], in: repo)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("bad.yaml"), bad.stderr)

        // Schema-valid but does not compile, and a built-in id reused: both refused with file:line.
        try CLI.write(rules.replacingOccurrences(of: "{24})(?!", with: "{24}(?!"), to: "nocompile.yaml", in: repo)
        let nocompile = try CLI.moat(["rules", "--test", "--rules", repo.appendingPathComponent("nocompile.yaml").path], in: repo)
        XCTAssertEqual(nocompile.status, 2, nocompile.stdout)
        XCTAssertTrue(nocompile.stderr.contains("nocompile.yaml:2") && nocompile.stderr.contains("does not compile"), nocompile.stderr)
        try CLI.write(rules.replacingOccurrences(of: "acme-internal-key", with: "huggingface-access-token"), to: "dup.yaml", in: repo)
        let dup = try CLI.moat(["scan", "--rules", repo.appendingPathComponent("dup.yaml").path], in: repo)
        XCTAssertEqual(dup.status, 2)
        XCTAssertTrue(dup.stderr.contains("dup.yaml:2") && dup.stderr.contains("duplicate id"), dup.stderr)
    }

    func testARuleThatCannotSearchEverythingIsReportedNotSilent() throws {
        // A user rule with catastrophic backtracking: PCRE2's match limit stops its searches.
        let rules = """
            secret_rules:
              - id: evil
                name: Backtracking rule
                category: secret
                keywords: ["keyz"]
                pattern: '(?<secret>keyz(\\w+\\s?)+$)'
            """
        let ruleFile = repo.appendingPathComponent("evil.yaml")
        try CLI.write(rules, to: "evil.yaml", in: repo)
        let line = "keyz" + String(repeating: "aaaa ", count: 8) + String(repeating: "a", count: 40) + "!\n"
        try CLI.write(String(repeating: line, count: 50), to: "notes.txt", in: repo)
        try CLI.git(["add", "notes.txt"], in: repo)
        let cache = repo.appendingPathComponent(".nocache")   // no vectorscan database: the keyword path
        let r = try CLI.moat(["staged", "--format", "json", "--rules", ruleFile.path], in: repo, environment: ["XDG_CACHE_HOME": cache.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let scan = try XCTUnwrap(try CLI.json(r.stdout)["scan"] as? [String: Any])
        let stopped = try XCTUnwrap(scan["rules_stopped"] as? [[String: Any]])
        XCTAssertEqual(stopped.count, 1, "\(stopped)")
        XCTAssertEqual(stopped.first?["rule"] as? String, "secret.evil")
        XCTAssertEqual(stopped.first?["path"] as? String, "notes.txt")
        XCTAssertEqual(stopped.first?["reason"] as? String, "match limit")
        XCTAssertTrue(r.stderr.contains("secret rule secret.evil stopped at byte"), r.stderr)
        // Without the rule nothing stops.
        let plain = try CLI.moat(["staged", "--format", "json"], in: repo, environment: ["XDG_CACHE_HOME": cache.path])
        XCTAssertEqual(((try CLI.json(plain.stdout)["scan"] as? [String: Any])?["rules_stopped"] as? [Any])?.count, 0)
    }

    func testATokenInModelMetadataIsRedactedInTheArtifactFindingToo() throws {
        // safetensors written by the real library with an hf_ token in __metadata__.
        try CLI.plant("positive/secrets/hub-upload.safetensors", as: "model.safetensors", in: repo)
        let header = try Data(contentsOf: repo.appendingPathComponent("model.safetensors"))
        let token = try XCTUnwrap(String(decoding: header, as: UTF8.self).firstMatch(of: /hf_[A-Za-z0-9]{34}/)).output
        for format in ["json", "text", "sarif", "markdown"] {
            let r = try CLI.moat(["scan", "model.safetensors", "--format", format], in: repo)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertFalse(r.stdout.contains(token), "\(format) printed the token in full")
            if format == "json" || format == "text" { XCTAssertTrue(r.stdout.contains("hf_"), format) }
        }
        let shown = try CLI.moat(["scan", "model.safetensors", "--format", "json", "--show-secrets"], in: repo)
        XCTAssertTrue(shown.stdout.contains(token), "--show-secrets shows it")
    }

    func testConfigFileNamesRuleFiles() throws {
        let rules = """
            secret_rules:
              - id: acme-config-key
                name: ACME key from the config
                category: secret
                keywords: ["acmecfg_"]
                pattern: '(?<secret>acmecfg_[a-z0-9]{24})(?![a-z0-9])'
                examples:
                  match: ['acmecfg_0123456789abcdefghijklmn']
                  no_match: ['acmecfg_short']
            """
        try CLI.write(rules, to: "security/rules.yaml", in: repo)
        try CLI.write("rules:\n  - security/rules.yaml\n", to: ".moat.yaml", in: repo)
        try CLI.write("k = acmecfg_0123456789abcdefghijklmn\n", to: "app.cfg", in: repo)
        let r = try CLI.moat(["scan", "--format", "json", "app.cfg"], in: repo)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(CLI.findings(try CLI.json(r.stdout)).contains { $0["rule"] as? String == "secret.acme-config-key" })
        try CLI.write("rulez: []\n", to: ".moat.yaml", in: repo)
        let bad = try CLI.moat(["scan", "app.cfg"], in: repo)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains(".moat.yaml:1"), bad.stderr)
    }

    func testBuiltInRulesPassTheirOwnExamples() throws {
        let r = try CLI.moat(["rules", "--test"], in: repo)
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("0 failed"), r.stdout)
        let list = try CLI.moat(["rules"], in: repo)
        XCTAssertTrue(list.stdout.contains("secret.huggingface-access-token"))
    }
}
