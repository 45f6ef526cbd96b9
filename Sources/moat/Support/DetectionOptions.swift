import ArgumentParser
import MoatCore
import MoatMatch

/// `--no-secrets`, `--show-secrets`, `--rules FILE`: what the scanning commands look for.
struct DetectionOptions: ParsableArguments {
    @Flag(name: .customLong("no-secrets"), help: "Look for model artifacts only, not for secrets.")
    var noSecrets = false

    @Flag(name: .customLong("show-secrets"), help: "Print secret values in full (they are redacted by default).")
    var showSecrets = false

    @Option(name: .customLong("rules"), help: ArgumentHelp("An extra rule file (same format as Patterns/*.yaml); repeatable.", valueName: "file"))
    var ruleFiles: [String] = []

    @Option(name: .customLong("config"), help: ArgumentHelp("A moat config file (default: .moat.yaml in the current directory, if present).", valueName: "file"))
    var configFile: String?

    /// The scanner for a command. `compileDatabase` is for long sweeps: a pre-commit hook never
    /// compiles the vectorscan database (0.3-0.8 s), it uses a cached one or the keyword path.
    func scanner(compileDatabase: Bool) throws -> ContentScanner {
        guard !noSecrets else { return ContentScanner(secrets: nil) }
        let (secretRules, configRules) = try DetectionOptions.rules(adding: try MoatConfig.ruleFiles(explicit: configFile) + ruleFiles)
        let cache = DatabaseCache.standard
        let policy: SecretMatcher.DatabasePolicy = compileDatabase ? .cachedOrCompiled(cache) : (cache.map { .cachedOnly($0) } ?? .none)
        return ContentScanner(secrets: SecretDetector(rules: secretRules, configRules: configRules, database: policy, showSecrets: showSecrets))
    }

    /// The built-in rules plus those of the user's rule files; a malformed file is a one-line error (exit 2).
    static func rules(adding files: [String]) throws -> ([SecretRule], [ConfigRule]) {
        var secretRules = SecretRule.builtin
        var configRules = ConfigRule.builtin
        for path in files {
            do {
                let file = try RuleFile.load(path: path)
                secretRules += file.secretRules
                configRules += file.configRules
            } catch {
                throw MoatError("\(error)")
            }
        }
        return (secretRules, configRules)
    }
}
