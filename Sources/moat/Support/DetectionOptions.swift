import ArgumentParser
import MoatCore
import MoatScan

extension Severity: ExpressibleByArgument {}

/// `--no-secrets`, `--show-secrets`, `--rules FILE`, `--config FILE`: what the scanning commands look for.
struct DetectionOptions: ParsableArguments {
    @Flag(name: .customLong("no-secrets"), help: "Look for model artifacts only, not for secrets.")
    var noSecrets = false

    @Flag(name: .customLong("show-secrets"), help: "Print secret values in full (they are redacted by default).")
    var showSecrets = false

    @Option(name: .customLong("rules"), help: ArgumentHelp("An extra rule file (same format as Patterns/*.yaml); repeatable.", valueName: "file"))
    var ruleFiles: [String] = []

    @Option(name: .customLong("config"), help: ArgumentHelp("A moat config file (default: the nearest .moat.yaml, up to the repository root).", valueName: "file"))
    var configFile: String?

    @Option(name: .customLong("baseline"), help: ArgumentHelp("Accept the findings listed in FILE (written by --write-baseline).", valueName: "file"))
    var baselineFile: String?

    @Option(name: .customLong("protected"), help: ArgumentHelp("A protected-model registry (moat protect add): files holding its tensors are blocked; repeatable.", valueName: "registry"))
    var protectedFiles: [String] = []

    @Option(name: .customLong("fail-on"), help: ArgumentHelp("The lowest severity that fails the scan: block (default), warn or info.", valueName: "severity"))
    var failOn: Severity?

    /// The settings, looking for `.moat.yaml` from `configSearchStart`.
    func settings(configSearchStart: String = ".") -> DetectionSettings {
        var s = DetectionSettings(secrets: !noSecrets, showSecrets: showSecrets, ruleFiles: ruleFiles, configFile: configFile,
                                  baselineFile: baselineFile, failOn: failOn)
        s.configSearchStart = configSearchStart
        s.protectedFiles = protectedFiles
        return s
    }

    /// The pipeline for a command, `workers` threads wide.
    func scans(database: DetectionSettings.Database, workers: Int = Cores.available, configSearchStart: String = ".") throws(ScanError) -> Scans {
        try settings(configSearchStart: configSearchStart).scans(database: database, workers: workers)
    }
}
