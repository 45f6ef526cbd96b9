import ArgumentParser
import MoatBytes
import MoatCore
import MoatGit

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
        GitLibrary.initialize()
        var scan = ArtifactScan(mode: "scan", root: Terminal.currentDirectory(), scanner: try detection.scanner(compileDatabase: true))
        let walker = WorkTreeWalker(respectIgnore: !noIgnore) { problem in
            scan.result.warnings.append(problem.description)
            if case .brokenSymlink = problem { scan.result.skip("broken-symlinks") }
        }
        var files: [(display: PathBytes, open: PathBytes)] = []
        for path in paths {
            walker.walk(PathBytes(path)) { file in files.append((file.path.withoutDotSlash, file.absolutePath)) }
        }
        scan.examineFiles(files)
        if walker.skippedSymlinks > 0 { scan.result.skipped["symlinks"] = walker.skippedSymlinks }
        if walker.ignoredEntries > 0 { scan.result.skipped["ignored"] = walker.ignoredEntries }
        let status = try output.emit(scan.finish())
        if status != 0 { throw ExitCode(status) }
    }
}

extension PathBytes {
    /// `./a/b` -> `a/b`: paths under the default `.` read as repository-relative paths.
    var withoutDotSlash: PathBytes {
        var b = bytes[...]
        while b.count > 2, b.first == UInt8(ascii: "."), b.dropFirst().first == UInt8(ascii: "/") { b = b.dropFirst(2) }
        return PathBytes(Array(b))
    }
}
