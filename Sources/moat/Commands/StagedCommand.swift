import ArgumentParser
import MoatScan

/// `moat staged`: exactly what `git commit` would record now (the pre-commit hook runs this).
struct StagedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staged",
        abstract: "Scan the changes staged for the next commit.",
        discussion: """
            Compares the index with HEAD (or with nothing, before the first commit). Honours GIT_DIR, \
            GIT_WORK_TREE and GIT_INDEX_FILE, so it sees what `git commit -a` and `git commit <path>` \
            are about to record when it runs as a hook. A staged object that cannot be read makes the \
            exit status 2 (unless --allow-missing): the change was not fully scanned.
            """
    )

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if moat was started in DIR (like git -C).", valueName: "dir"))
    var directory: String?

    @Flag(name: .customLong("allow-missing"), help: "Exit 0 even when some staged objects could not be read.")
    var allowMissing = false

    @OptionGroup var detection: DetectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try Self.run(directory: directory, allowMissing: allowMissing, settings: detection.settings(), output: output.values)
    }

    /// The command on plain values: `run()` after parsing, and `Moat.main` directly for `moat staged`
    /// alone (what the installed hook runs), which skips ArgumentParser's reflection (~1.5 ms).
    static func run(directory: String?, allowMissing: Bool, settings: DetectionSettings, output: ReportOutput) throws {
        if let dir = directory { try Terminal.changeDirectory(dir) }
        let scans = try settings.scans(database: .cachedOnly, workers: 1)
        try output.finish(try scans.staged(), policy: ExitPolicy(allowMissing: allowMissing))
    }
}
