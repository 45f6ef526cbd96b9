import MoatBytes

/// Runs every rule's own examples through the real engine: each `match` example must produce a
/// finding of its rule (with the given secret, when one is given), each `no_match` example must not.
/// Used by `moat rules --test` and by the test suite.
public enum RuleExamples {
    public struct Report: Sendable {
        public var examples = 0
        public var failures: [String] = []
    }

    /// `detector` must keep full values (`showSecrets: true`) so expected secrets can be compared.
    public static func check(_ detector: SecretDetector) -> Report {
        var report = Report()
        for rule in detector.rules {
            for e in rule.examples.match {
                report.examples += 1
                let hits = findings(detector, path: "example.txt", text: e.text).filter { $0.rule == rule.findingRuleID }
                if hits.isEmpty {
                    report.failures.append("\(rule.findingRuleID): example did not match: \(e.text)")
                } else if let want = e.secret, !hits.contains(where: { $0.secret?.value == want }) {
                    report.failures.append("\(rule.findingRuleID): expected secret \(want), got \(hits.compactMap { $0.secret?.value })")
                }
            }
            for e in rule.examples.noMatch {
                report.examples += 1
                if findings(detector, path: "example.txt", text: e.text).contains(where: { $0.rule == rule.findingRuleID }) {
                    report.failures.append("\(rule.findingRuleID): no_match example matched: \(e.text)")
                }
            }
        }
        for rule in detector.configRules {
            for e in rule.examples.match {
                report.examples += 1
                if !findings(detector, path: e.path, text: e.text).contains(where: { $0.rule == rule.findingRuleID }) {
                    report.failures.append("\(rule.findingRuleID): example did not match: \(e.path): \(e.text)")
                }
            }
            for e in rule.examples.noMatch {
                report.examples += 1
                if findings(detector, path: e.path, text: e.text).contains(where: { $0.rule == rule.findingRuleID }) {
                    report.failures.append("\(rule.findingRuleID): no_match example matched: \(e.path): \(e.text)")
                }
            }
        }
        return report
    }

    static func findings(_ detector: SecretDetector, path: String, text: String) -> [Finding] {
        let input = SniffInput(path: PathBytes(path), source: MemoryByteSource(Array(text.utf8)))
        return detector.findings(in: input, kind: .text, deduplicate: false)
    }
}
