import ArgumentParser
import MoatCore
import MoatScan

/// `moat rules [--test]`: list the secret and config rules, or run every rule's own examples.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the secret and sensitive-config rules, or test them against their examples.",
        discussion: "Built-in rules come from Patterns/*.yaml, compiled into moat; add your own with --rules FILE."
    )

    @Flag(name: .long, help: "Lint and compile every rule, and run its match and no_match examples through the engine; exit 1 if any fails.")
    var test = false

    @Option(name: .customLong("rules"), help: ArgumentHelp("An extra rule file to list or test; repeatable.", valueName: "file"))
    var ruleFiles: [String] = []

    func run() throws {
        let set = try RuleSet.load(adding: ruleFiles)
        let (secretRules, configRules) = (set.secretRules, set.configRules)
        if test {
            // The whole engine, as a scan builds it: every pattern compiled by PCRE2 and the
            // vectorscan database compiled (not cached), then every example through it.
            let detector = SecretDetector(rules: secretRules, configRules: configRules, database: .cachedOrCompiled(nil), showSecrets: true)
            let report = RuleExamples.check(detector)
            let broken = detector.matcher.compileErrors
            for (rule, error) in broken { Terminal.writeOut("FAIL \(secretRules[rule].findingRuleID): pattern does not compile: \(error)\n") }
            var failed = report.failures.count + broken.count
            if let error = detector.matcher.databaseError {
                Terminal.writeOut("FAIL the vectorscan database does not compile: \(error)\n")
                failed += 1
            }
            for f in report.failures { Terminal.writeOut("FAIL \(f)\n") }
            let total = secretRules.count + configRules.count
            Terminal.writeOut("\(total) rules, \(report.examples) examples: \(failed) failed\n")
            if failed > 0 { throw ExitCode(1) }
            return
        }
        for r in secretRules {
            Terminal.writeOut("\(r.findingRuleID)\t\(r.category.rawValue)\t\(r.keywords.joined(separator: ","))\t\(r.name)\n")
        }
        for r in configRules {
            Terminal.writeOut("\(r.findingRuleID)\t\(r.category.rawValue)\t\(r.globPatterns.prefix(3).joined(separator: ","))\t\(r.name)\n")
        }
    }
}
