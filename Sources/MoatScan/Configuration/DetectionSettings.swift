import MoatCore
import MoatMatch

/// What a scan looks for, as the user set it (`--no-secrets`, `--show-secrets`, `--rules`,
/// `--config`), turned into the detection core's scanner.
public struct DetectionSettings: Sendable {
    public var secrets = true
    public var showSecrets = false
    /// Extra rule files from the command line (the config file may name more).
    public var ruleFiles: [String] = []
    /// The config file (nil: `.moat.yaml` here, if present).
    public var configFile: String?

    public init(secrets: Bool = true, showSecrets: Bool = false, ruleFiles: [String] = [], configFile: String? = nil) {
        self.secrets = secrets
        self.showSecrets = showSecrets
        self.ruleFiles = ruleFiles
        self.configFile = configFile
    }

    /// How the vectorscan database is obtained. A pre-commit hook never compiles it (0.3-0.8 s):
    /// it uses the cached one, or the keyword prefilter when there is none.
    public enum Database: Sendable {
        case cachedOrCompiled
        case cachedOnly
    }

    /// The scanner for a command.
    public func scanner(database: Database) throws(ScanError) -> ContentScanner {
        guard secrets else { return ContentScanner(secrets: nil) }
        let config = try MoatConfig.load(explicit: configFile)
        let rules = try RuleSet.load(adding: config.ruleFiles + ruleFiles)
        let cache = DatabaseCache.standard
        let policy: SecretMatcher.DatabasePolicy
        switch database {
        case .cachedOrCompiled: policy = .cachedOrCompiled(cache)
        case .cachedOnly: policy = cache.map { .cachedOnly($0) } ?? .none
        }
        return ContentScanner(secrets: SecretDetector(rules: rules.secretRules, configRules: rules.configRules, database: policy,
                                                      showSecrets: showSecrets))
    }

    /// Compiles the vectorscan database of these rules into the on-disk cache (~0.3 s once), so a
    /// pre-commit hook, which never compiles it, finds it there.
    public func warmDatabaseCache() throws(ScanError) {
        guard secrets, DatabaseCache.standard != nil else { return }
        _ = try scanner(database: .cachedOrCompiled)
    }
}
