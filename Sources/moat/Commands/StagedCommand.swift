import ArgumentParser
import MoatBytes
import MoatCore
import MoatGit

/// `moat staged`: exactly what `git commit` would record now (the pre-commit hook runs this).
struct StagedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staged",
        abstract: "Scan the changes staged for the next commit.",
        discussion: """
            Compares the index with HEAD (or with nothing, before the first commit). Honours GIT_DIR, \
            GIT_WORK_TREE and GIT_INDEX_FILE, so it sees what `git commit -a` and `git commit <path>` \
            are about to record when it runs as a hook.
            """
    )

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if moat was started in DIR (like git -C).", valueName: "dir"))
    var directory: String?

    @OptionGroup var detection: DetectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if let dir = directory { try Terminal.changeDirectory(dir) }
        GitLibrary.initialize()
        let repository: GitRepository
        let staged: StagedSource
        do {
            repository = try GitRepository.open(at: nil, fromEnvironment: true)
            staged = try StagedSource(repository: repository)
        } catch {
            throw MoatError(error.description)
        }
        var scan = ArtifactScan(mode: "staged", root: staged.root.description, scanner: try detection.scanner(compileDatabase: false))
        for item in staged.blobs {
            scan.examine(path: item.path, blob: item.blob.hex) { try staged.content(of: item) }
        }
        if staged.skippedSubmodules > 0 { scan.result.skipped["submodules"] = staged.skippedSubmodules }
        if staged.skippedSymlinks > 0 { scan.result.skipped["symlinks"] = staged.skippedSymlinks }
        let status = try output.emit(scan.finish())
        if status != 0 { throw ExitCode(status) }
    }
}
