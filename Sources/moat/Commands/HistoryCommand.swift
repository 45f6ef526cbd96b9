import ArgumentParser
import Dispatch
import MoatBytes
import MoatCore
import MoatGit

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
            reads git's pre-push lines on stdin and the arguments are the hook's <remote> [<url>].
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
    }

    func run() throws {
        if let dir = directory { try Terminal.changeDirectory(dir) }
        GitLibrary.initialize()
        if verifyObjects { GitLibrary.setStrictHashVerification(true) }
        let started = Terminal.milliseconds()
        let repository: GitRepository
        let history: HistorySource
        do {
            repository = try GitRepository.open(at: nil, fromEnvironment: true)
            // --verify-objects: every object through libgit2, which re-hashes it (moat's pack decoder does not).
            let walkProgress = WalkProgress(enabled: !noProgress)
            defer { walkProgress.finish() }
            history = try HistorySource(repository: repository, selection: try selection(), workers: jobs ?? System.activeCores,
                                        treePreload: verifyObjects ? .never : .automatic, onStep: walkProgress.show)
        } catch let e as GitError {
            throw MoatError(e.description)
        }
        let scanner = try detection.scanner(compileDatabase: true)
        var scan = ArtifactScan(mode: "history", root: (repository.workdir ?? repository.gitDir).description, scanner: scanner)
        scan.result.commitsWalked = history.stats.commits
        scan.result.missingObjects = history.stats.missingObjects
        if history.stats.skippedGitlinks > 0 { scan.result.skipped["submodules"] = history.stats.skippedGitlinks }
        if history.stats.skippedSymlinks > 0 { scan.result.skipped["symlinks"] = history.stats.skippedSymlinks }
        for m in history.missingSamples.prefix(5) { scan.result.warnings.append("missing \(m)") }

        let items = try sweep(history, gitDir: repository.gitDir, scanner: scanner)
        for (blob, item) in zip(history.blobs, items) {
            guard var item else { continue }
            if case .outcome(var outcome, let n) = item {
                for i in outcome.findings.indices {
                    outcome.findings[i].commit = blob.firstCommit?.hex
                    if blob.firstCommit != nil, blob.reachable {
                        outcome.findings[i].provenance = Provenance(author: blob.author ?? "unknown", time: blob.time ?? 0, paths: blob.pathCount,
                                                                    commits: blob.commitCount, inHead: blob.inHead)
                    } else {
                        outcome.findings[i].summary.addNote("dangling object (no ref reaches it)")
                    }
                }
                item = .outcome(outcome, bytesRead: n)
            }
            if case .unreadable = item { scan.result.missingObjects += 1 }
            scan.add(item)
        }
        var result = scan.finish()
        result.durationMs = Terminal.milliseconds() - started
        let status = try output.emit(result)
        if status != 0 { throw ExitCode(status) }
        if result.missingObjects > 0 && !allowMissing {
            Terminal.error("\(result.missingObjects) \(result.missingObjects == 1 ? "object" : "objects") could not be read, so part of the history was not scanned; --allow-missing accepts that")
            throw ExitCode(2)
        }
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
        return revisions.isEmpty ? .allRefs(includeUnreachable: includeUnreachable) : .revisions(revisions)
    }

    /// Reads and scans every blob with one repository handle per worker (libgit2 objects are
    /// single-threaded, and one handle shared between threads was measured slower than one thread).
    func sweep(_ history: HistorySource, gitDir: PathBytes, scanner: ContentScanner) throws -> [ArtifactScan.Item?] {
        let blobs = history.blobs
        let workers = max(1, min(jobs ?? System.activeCores, blobs.count))
        let progress = Progress(total: blobs.count, totalBytes: blobs.reduce(0) { $0.addingReportingOverflow($1.size).overflow ? Int.max : $0 + $1.size }, enabled: !noProgress)
        let results = UnsafeMutableBufferPointer<ArtifactScan.Item?>.allocate(capacity: blobs.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let shared = SendableBuffer(results)
        let examine: @Sendable (Int, ByteSource?, GitError?) -> Void = { i, source, error in
            let blob = blobs[i]
            shared.buffer[i] = ArtifactScan.examine(scanner, path: blob.path, blob: blob.id.hex) {
                if let source { return source }
                throw error ?? GitError(message: "cannot read blob \(blob.id)")
            }
            progress.advance(bytes: blob.size)
        }
        let failure: GitError? = {
            do throws(GitError) { try history.readBlobs(gitDir: gitDir, workers: workers, wholeReadLimit: HistoryCommand.wholeReadLimit, body: examine) } catch {
                return error
            }
            return nil
        }()
        if let failure { throw MoatError(failure.description) }
        progress.finish()
        return Array(results)
    }

    /// Blobs up to this size are read whole; bigger ones only as far as the sniffers ask.
    static let wholeReadLimit = 1 << 20
}
