import ArgumentParser
import MoatScan

/// `--no-secrets`, `--show-secrets`, `--rules FILE`, `--config FILE`: what the scanning commands look for.
struct DetectionOptions: ParsableArguments {
    @Flag(name: .customLong("no-secrets"), help: "Look for model artifacts only, not for secrets.")
    var noSecrets = false

    @Flag(name: .customLong("show-secrets"), help: "Print secret values in full (they are redacted by default).")
    var showSecrets = false

    @Option(name: .customLong("rules"), help: ArgumentHelp("An extra rule file (same format as Patterns/*.yaml); repeatable.", valueName: "file"))
    var ruleFiles: [String] = []

    @Option(name: .customLong("config"), help: ArgumentHelp("A moat config file (default: .moat.yaml in the current directory, if present).", valueName: "file"))
    var configFile: String?

    var settings: DetectionSettings {
        DetectionSettings(secrets: !noSecrets, showSecrets: showSecrets, ruleFiles: ruleFiles, configFile: configFile)
    }

    /// The pipeline for a command, `workers` threads wide.
    func scans(database: DetectionSettings.Database, workers: Int = Cores.available) throws(ScanError) -> Scans {
        Scans(runner: ScanRunner(scanner: try settings.scanner(database: database), workers: workers))
    }
}
