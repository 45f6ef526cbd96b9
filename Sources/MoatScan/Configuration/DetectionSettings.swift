import MoatBytes
import MoatCore
import MoatMatch

/// What a scan looks for and what the team decided about it, as the user set it on the command
/// line (`--no-secrets`, `--show-secrets`, `--rules`, `--config`, `--baseline`, `--fail-on`) and in
/// `.moat.yaml`, turned into the scanner and the finding policy.
public struct DetectionSettings: Sendable {
    public var secrets = true
    public var showSecrets = false
    /// Extra rule files from the command line (the config file may name more).
    public var ruleFiles: [String] = []
    /// The config file (nil: the nearest `.moat.yaml`, see `MoatConfig.discover`).
    public var configFile: String?
    /// Where to look for `.moat.yaml` when `configFile` is nil.
    public var configSearchStart = "."
    /// A baseline file (overrides the config's `baseline:`).
    public var baselineFile: String?
    /// Overrides the config's `fail-on:`.
    public var failOn: Severity?
    /// Protected-model registries from the command line (`--protected`; the config may name more).
    public var protectedFiles: [String] = []

    public init(secrets: Bool = true, showSecrets: Bool = false, ruleFiles: [String] = [], configFile: String? = nil,
                baselineFile: String? = nil, failOn: Severity? = nil) {
        self.secrets = secrets
        self.showSecrets = showSecrets
        self.ruleFiles = ruleFiles
        self.configFile = configFile
        self.baselineFile = baselineFile
        self.failOn = failOn
    }

    /// How the vectorscan database is obtained. A pre-commit hook never compiles it (0.3-0.8 s):
    /// it uses the cached one, or the keyword prefilter when there is none.
    public enum Database: Sendable {
        case cachedOrCompiled
        case cachedOnly
    }

    /// The config in force.
    public func config() throws(ScanError) -> MoatConfig {
        try MoatConfig.load(explicit: configFile, searchingFrom: configSearchStart)
    }

    /// The scanner for a command.
    public func scanner(database: Database) throws(ScanError) -> ContentScanner {
        try scanner(database: database, config: try config())
    }

    func scanner(database: Database, config: MoatConfig) throws(ScanError) -> ContentScanner {
        let artifacts = ArtifactDetector(policy: config.severity)
        let protected = ProtectedRegistryFile.models(config.protectedFiles + protectedFiles)
        guard secrets else { return ContentScanner(artifacts: artifacts, secrets: nil, storage: config.storage, protected: protected) }
        let rules = try RuleSet.load(adding: config.ruleFiles + ruleFiles)
        let cache = DatabaseCache.standard
        let policy: SecretMatcher.DatabasePolicy
        switch database {
        case .cachedOrCompiled: policy = .cachedOrCompiled(cache)
        case .cachedOnly: policy = cache.map { .cachedOnly($0) } ?? .none
        }
        return ContentScanner(artifacts: artifacts, secrets: SecretDetector(rules: rules.secretRules, configRules: rules.configRules, database: policy,
                                                                            showSecrets: showSecrets, allowlist: Allowlist(config.allow)),
                              storage: config.storage, protected: protected)
    }

    /// The policy the findings go through.
    func policy(config: MoatConfig) throws(ScanError) -> FindingPolicy {
        var baseline: Baseline?
        if let path = baselineFile ?? config.baseline { baseline = try Self.loadBaseline(path) }
        return FindingPolicy(allowlist: Allowlist(config.allow), baseline: baseline, disabled: config.disable,
                             failOn: failOn ?? config.failOn ?? .block)
    }

    /// The pipeline for a command: scanner and policy from the settings and the config, `workers` wide.
    public func scans(database: Database, workers: Int = Cores.available) throws(ScanError) -> Scans {
        let config = try config()
        return Scans(runner: ScanRunner(scanner: try scanner(database: database, config: config), workers: workers),
                     policy: try policy(config: config))
    }

    static func loadBaseline(_ path: String) throws(ScanError) -> Baseline {
        let file: FileByteSource
        do { file = try FileByteSource(path: PathBytes(path)) } catch {
            throw ScanError("\(path): cannot read the baseline: \(error.reason)")
        }
        guard file.size <= 256 << 20, let bytes = file.read(at: 0, count: file.size) else { throw ScanError("\(path): cannot read the baseline") }
        switch Baseline.parse(bytes) {
        case .success(let b): return b
        case .failure(let e): throw ScanError("\(path): not a moat baseline: \(e.reason)")
        }
    }

    /// Compiles the vectorscan database of these rules into the on-disk cache (~0.3 s once), so a
    /// pre-commit hook, which never compiles it, finds it there.
    public func warmDatabaseCache() throws(ScanError) {
        guard secrets, DatabaseCache.standard != nil else { return }
        _ = try scanner(database: .cachedOrCompiled)
    }
}
