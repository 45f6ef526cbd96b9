import MoatCore
import MoatMatch

/// The secret and sensitive-config rules a scan uses: the built-in ones plus the user's rule
/// files. User files are held to the built-in rules' standard: the same schema and lint
/// (`RuleFile`), every pattern compiled now, and no id used twice, so a broken rule is an error
/// naming its file and line before anything is scanned, never a rule that silently never fires.
public struct RuleSet: Sendable {
    public var secretRules: [SecretRule]
    public var configRules: [ConfigRule]

    public init(secretRules: [SecretRule] = SecretRule.builtin, configRules: [ConfigRule] = ConfigRule.builtin) {
        self.secretRules = secretRules
        self.configRules = configRules
    }

    /// The built-in rules plus those of `files`, in order.
    public static func load(adding files: [String]) throws(ScanError) -> RuleSet {
        var set = RuleSet()
        guard !files.isEmpty else { return set }
        do {
            let loaded = try files.map { try RuleFile.load(path: $0) }
            try RuleFile.checkIDs(loaded)
            for file in loaded {
                try compile(file)
                set.secretRules += file.secretRules
                set.configRules += file.configRules
            }
        } catch {
            throw ScanError("\(error)")
        }
        return set
    }

    /// Compiles every pattern of a user file with the engine's own compiler (PCRE2, as the
    /// confirmation step runs them).
    static func compile(_ file: RuleFile) throws {
        for rule in file.secretRules {
            do { _ = try PCRE2Pattern(rule.pattern) } catch {
                throw RuleFileError(file: file.path, line: file.line(of: rule.id), ruleID: rule.id, reason: "pattern does not compile: \(error)")
            }
        }
        for rule in file.configRules {
            guard let content = rule.content else { continue }
            do { _ = try PCRE2Pattern(content) } catch {
                throw RuleFileError(file: file.path, line: file.line(of: rule.id), ruleID: rule.id, reason: "content pattern does not compile: \(error)")
            }
        }
    }
}
