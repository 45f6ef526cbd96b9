import ArgumentParser
import MoatCore
import MoatGit
import MoatScan

/// `moat history [REV...]`: every blob a repository ever held (or what some revisions introduce),
/// each unique blob scanned once, with the commit that introduced it.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Scan every blob in a repository's history, or what some revisions introduce.",
        discussion: """
            With no REV, every blob reachable from any ref (branches, tags, remotes, stash) is scanned \
            once, however many commits carry it. REV arguments work like git rev-list: \
            `moat history origin/main..HEAD` scans what a pull request adds. With --pre-push, moat \
            reads git's pre-push lines on stdin and the arguments are the hook's <remote> [<url>]. \
            With --pre-receive (a server's hook), moat reads '<old> <new> <ref>' lines on stdin and \
            scans what the pushed commits add to the repository's refs, in git's quarantine.
            Objects that cannot be read (partial or shallow clones, damage) are counted; unless \
            --allow-missing, they make the exit status 2 when nothing blocking was found.
            """
    )

    @Argument(help: ArgumentHelp("Revisions to scan (default: all refs); with --pre-push: <remote> [<url>].", valueName: "rev"))
    var revisions: [String] = []

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if moat was started in DIR (like git -C).", valueName: "dir"))
    var directory: String?

    @Flag(name: .customLong("include-unreachable"), help: "Also scan objects no ref reaches (dangling blobs).")
    var includeUnreachable = false

    @Flag(name: .customLong("pre-push"), help: "Run as git's pre-push hook: read '<local ref> <sha> <remote ref> <sha>' lines on stdin.")
    var prePush = false

    @Flag(name: .customLong("pre-receive"), help: "Run as a server's pre-receive hook: read '<old sha> <new sha> <ref>' lines on stdin.")
    var preReceive = false

    @Option(name: [.short, .long], help: "Worker threads (default: all cores).")
    var jobs: Int?

    @Flag(name: .customLong("allow-missing"), help: "Exit 0 even when some objects could not be read.")
    var allowMissing = false

    @Flag(name: .customLong("verify-objects"), help: "Re-hash every object read (about 2x slower).")
    var verifyObjects = false

    @Flag(name: .customLong("no-progress"), help: "Never show the progress line (it shows only on a terminal).")
    var noProgress = false

    @OptionGroup var detection: DetectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1") }
        if prePush && includeUnreachable { throw ValidationError("--pre-push and --include-unreachable do not go together") }
        if preReceive && (prePush || includeUnreachable || !revisions.isEmpty) {
            throw ValidationError("--pre-receive takes no revisions and goes with neither --pre-push nor --include-unreachable")
        }
    }

    func run() throws {
        if let dir = directory { try Terminal.changeDirectory(dir) }
        let scans = try detection.scans(database: .cachedOrCompiled, workers: jobs ?? Cores.available)
        let walkProgress = WalkProgress(enabled: !noProgress)
        let result: ScanResult
        do {
            defer { walkProgress.finish() }
            result = try scans.history(Scans.HistoryRequest(selection: try selection(), verifyObjects: verifyObjects),
                                       onStep: { step in walkProgress.show(step) },
                                       progress: { blobs, bytes in Progress(total: blobs, totalBytes: bytes, enabled: !noProgress) })
        }
        try output.finish(result, policy: ExitPolicy(allowMissing: allowMissing))
    }

    func selection() throws -> RevisionSelection {
        if prePush {
            guard let remote = revisions.first else { throw MoatError("--pre-push needs the remote name (git passes it as the hook's first argument)") }
            let input = Terminal.readStandardInput()
            do {
                return .prePush(lines: try PrePushLine.parse(bytes: input), remote: remote)
            } catch {
                throw MoatError(error.description)
            }
        }
        if preReceive {
            do {
                return .preReceive(lines: try PreReceiveLine.parse(bytes: Terminal.readStandardInput()))
            } catch {
                throw MoatError(error.description)
            }
        }
        return revisions.isEmpty ? .allRefs(includeUnreachable: includeUnreachable) : .revisions(revisions)
    }
}
