import ArgumentParser
import MoatScan

/// `moat scan [PATH...]`: files and directories as they are on disk.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan files and directories on disk for model artifacts.",
        discussion: "Inside a git work tree, paths that .gitignore excludes are skipped unless --no-ignore is given."
    )

    @Argument(help: "Files or directories to scan (default: the current directory).")
    var paths: [String] = ["."]

    @Flag(name: .long, help: "Scan files that .gitignore excludes too.")
    var noIgnore = false

    @OptionGroup var detection: DetectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let scans = try detection.scans(database: .cachedOrCompiled, configSearchStart: paths.first ?? ".")
        let result = try scans.workTree(paths, respectIgnore: !noIgnore)
        try output.finish(result, policy: ExitPolicy())
    }
}
