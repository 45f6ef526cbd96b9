import Foundation
import MoatBytes
import MoatCore
import MoatFuzzEngine
@testable import MoatScan
import XCTest

/// A deterministic mutation fuzzer of the text a team writes: `.moat.yaml` and user rule files
/// (docs/fuzzing.md). Seeds: the repository's own `.moat.yaml`, a config using every key, a short
/// user rule file, and every `Patterns/*.yaml`; mutations: `TextMutator` (lines, nesting, aliases, huge and odd scalars) and
/// `ByteMutator`. Each mutant is read as a config and as a rule file (patterns compiled with PCRE2;
/// one in 32 that loads also builds the matching engine and scans its own text).
///
/// A trap kills the run; an input slower than 5 s fails it; so does an error that is not one line
/// naming the file (and the line, unless the whole file is at fault), holds a control character,
/// or quotes more than a short excerpt of the content. Knobs: `FuzzRun`.
final class ConfigFuzzTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A config that sets every key (docs/config.md).
    static let everyKey = """
        rules: [security/moat-rules.yaml, /etc/moat/extra.yaml]
        fail-on: warn
        disable: [secret.generic-*, dataset]
        thresholds: { model-block-elements: 100000, model-warn-elements: 1000, dump-block-elements: 5000000, dump-warn-elements: 10000, dataset-warn-bytes: 1048576 }
        allow:
          - { path: "tests/fixtures/**", reason: "test data" }
          - { rule: "secret.*", value-regex: "^sk-test-[a-z]{4,}$", reason: "test-mode keys" }
          - value: "AKIAIOSFODNN7EXAMPLE"
            reason: documented example
        baseline: .moat-baseline.json
        lfs: { required: ["models/**", "*.safetensors"] }
        max-file-size: 1.5GiB
        """

    /// A short user rule file of each kind of rule (docs/rules.md): most of its mutants still load,
    /// so the compile and matching steps see them (a mutant of a 20 KB `Patterns` file seldom does).
    static let userRules = """
        secret_rules:
          - id: acme.deploy-token
            name: ACME deploy token
            keywords: [acme_dt_]
            pattern: '\\b(?<secret>acme_dt_[A-Za-z0-9]{32})\\b'
            min_entropy: 3.5
            validate: none
            stopwords: [example]
            examples:
              match: [acme_dt_4fJk9QmZx2LpW8rTnV3bY6cHs1dEa7Gu]
              no_match: [acme_dt_short]
        config_rules:
          - id: acme.settings
            name: ACME settings with a password
            globs: ["**/acme.ini"]
            content: 'password\\s*=\\s*(?<secret>\\S{8,})'
        path_rules:
          - id: acme.weights
            description: ACME model weights
            globs: ["**/*.acme"]
            suggests: model-weights
        """

    struct Seed {
        let name: String
        let bytes: [UInt8]
    }

    static func seeds() throws -> [Seed] {
        let root = repositoryRoot.path
        var seeds = [Seed(name: ".moat.yaml", bytes: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/.moat.yaml")))),
                     Seed(name: "every-key.yaml", bytes: Array(everyKey.utf8)), Seed(name: "user-rules.yaml", bytes: Array(userRules.utf8))]
        for name in try FileManager.default.contentsOfDirectory(atPath: root + "/Patterns").sorted() where name.hasSuffix(".yaml") {
            seeds.append(Seed(name: "Patterns/" + name, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/Patterns/" + name)))))
        }
        return seeds
    }

    func testConfigAndRuleFileMutants() throws {
        let seeds = try Self.seeds()
        XCTAssertGreaterThan(seeds.count, 5)
        let folder = try TemporaryFolder()
        var configs = 0, ruleFiles = 0, errors = 0
        let run = FuzzRun(name: "fuzz-config", defaultIterations: 200)
        run.run(mutant: { i, rng in
            let s = seeds[i % seeds.count]
            return (s.name, TextMutator.mutant(of: s.bytes, &rng))
        }, slow: { i, name, took in
            XCTFail("iteration \(i) (\(name)) is slow: \(took) s")
        }) { i, name, b in
            let configPath = folder.path + "/conf/.moat.yaml", rulePath = folder.path + "/rules/user.yaml"
            let text = String(validating: b, as: UTF8.self)
            do {
                if let text {
                    _ = try MoatConfig.parse(text, path: configPath)
                } else {
                    try folder.put("conf/.moat.yaml", b)
                    _ = try MoatConfig.load(explicit: configPath)
                }
                configs += 1
            } catch let error as ScanError {
                errors += 1
                if let problem = Self.problem(error.message, file: configPath) { XCTFail("iteration \(i) (\(name)), config: \(problem)") }
            } catch {
                XCTFail("iteration \(i) (\(name)): not a ScanError: \(error)")
            }
            do {
                let file: RuleFile
                if let text {
                    file = try RuleFile.parse(text, file: rulePath)
                } else {
                    try folder.put("rules/user.yaml", b)
                    file = try RuleFile.load(path: rulePath)
                }
                try RuleFile.checkIDs([file])
                try RuleSet.compile(file)
                ruleFiles += 1
                if ruleFiles % 32 == 0 {
                    let detector = SecretDetector(rules: file.secretRules, configRules: file.configRules)
                    _ = detector.findings(in: SniffInput(path: PathBytes("rules/user.yaml"), source: MemoryByteSource(b)), kind: .text)
                }
            } catch let error as RuleFileError {
                errors += 1
                if let problem = Self.problem(error.description, file: rulePath) { XCTFail("iteration \(i) (\(name)), rule file: \(problem)") }
            } catch {
                XCTFail("iteration \(i) (\(name)): not a RuleFileError: \(error)")
            }
        }
        print("fuzz-config: \(configs) configs and \(ruleFiles) rule files accepted, \(errors) errors checked")
        // The schemas are strict: about one mutant in 150 is still a valid rule file.
        if run.iterations >= 100 { XCTAssertGreaterThan(configs, 0, "no mutant was a valid config") }
        if run.iterations >= 2000 { XCTAssertGreaterThan(ruleFiles, 0, "no mutant was a valid rule file") }
    }

    /// Longest error message accepted, past the file's name: the longest fixed text (a list of the
    /// known keys) plus a short excerpt or two.
    static let maxErrorLength = 400

    /// What is wrong with an error about `file`: not `file:line: reason` on one line (the line may be
    /// missing only when the whole file is at fault), a control character, or too long.
    static func problem(_ message: String, file: String) -> String? {
        let shown = message.prefix(300).debugDescription
        if message.unicodeScalars.contains(where: TerminalText.isUnsafe) { return "control character in error: \(shown)" }
        guard message.hasPrefix(file + ":") else { return "error does not name the file: \(shown)" }
        let rest = message.dropFirst(file.count + 1)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if digits.isEmpty {
            let fileLevel = ["invalid YAML", "not valid YAML", "cannot read", "not UTF-8", "must be a mapping", "top level", "larger than"]
            guard fileLevel.contains(where: { rest.contains($0) }) else { return "error without a line: \(shown)" }
        }
        if message.count > file.count + maxErrorLength { return "error of \(message.count) characters: \(shown)…" }
        return nil
    }
}
