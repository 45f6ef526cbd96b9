#if canImport(Glibc)
import Glibc
#endif
import MoatBytes
import MoatCore
import MoatGit

/// The scans a user can ask for, each from its arguments to a finished `ScanResult`: collect the
/// inputs from a source, run them through `ScanRunner`, time it. The CLI parses arguments and
/// prints; everything between is here, so every scan can be run and tested in-process.
public struct Scans: Sendable {
    public let runner: ScanRunner
    /// Applied to every finished scan: what the team accepted, and from which severity it fails.
    public let policy: FindingPolicy

    public init(runner: ScanRunner, policy: FindingPolicy = FindingPolicy()) {
        self.runner = runner
        self.policy = policy
    }

    /// Files and directories on disk (`moat scan`), reported relative to their `ScanRoot`: the
    /// repository's root when they are in one.
    public func workTree(_ paths: [String], respectIgnore: Bool) throws(ScanError) -> ScanResult {
        let clock = ContinuousClock(), started = clock.now
        var result = ScanResult(mode: .scan, root: "")
        let batch = try WorkTreeInputs.collect(paths, respectIgnore: respectIgnore, into: &result)
        try runner.run(batch, into: &result)
        // Unused allow entries mean something only when the whole root was scanned.
        let whole = paths.contains { Self.realPath($0) == result.root }
        policy.apply(to: &result, reportUnused: whole)
        result.durationMs = milliseconds(since: started, clock)
        return result
    }

    /// What the next `git commit` would record (`moat staged`) in the repository at `path`, or,
    /// when nil, the one git's environment (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, as git sets
    /// them for hooks) and the current directory name.
    public func staged(repository path: String? = nil) throws(ScanError) -> ScanResult {
        let clock = ContinuousClock(), started = clock.now
        let staged: StagedSource
        do {
            GitLibrary.initialize()
            staged = try StagedSource(repository: try GitRepository.open(at: path, fromEnvironment: path == nil))
        } catch {
            throw ScanError(error.description)
        }
        var result = ScanResult(mode: .staged, root: staged.repository.reportRoot.description)
        let batch = StagedInputs.collect(staged, into: &result)
        try runner.run(batch, into: &result)
        policy.apply(to: &result, reportUnused: false)
        result.durationMs = milliseconds(since: started, clock)
        return result
    }

    /// What `moat history` is asked to walk.
    public struct HistoryRequest: Sendable {
        public var selection: RevisionSelection
        /// Read every object through libgit2, which re-hashes it (moat's pack decoder does not).
        public var verifyObjects: Bool

        public init(selection: RevisionSelection, verifyObjects: Bool = false) {
            self.selection = selection
            self.verifyObjects = verifyObjects
        }
    }

    /// Every blob of a repository's history, or what some revisions introduce (`moat history`);
    /// the repository is found as for `staged`. `onStep` hears the walk's phases; `progress(blobs, bytes)` makes the
    /// meter of the blob sweep once its size is known.
    public func history(_ request: HistoryRequest, repository path: String? = nil, onStep: ((HistorySource.Step) -> Void)? = nil,
                        progress: ((Int, Int) -> (any ScanProgress)?)? = nil) throws(ScanError) -> ScanResult {
        let clock = ContinuousClock(), started = clock.now
        GitLibrary.initialize()
        if request.verifyObjects { GitLibrary.setStrictHashVerification(true) }
        let history: HistorySource
        do {
            let repository = try GitRepository.open(at: path, fromEnvironment: path == nil)
            history = try HistorySource(repository: repository, selection: request.selection, workers: runner.workers,
                                        treePreload: request.verifyObjects ? .never : .automatic, onStep: onStep)
        } catch {
            throw ScanError(error.description)
        }
        var result = ScanResult(mode: .history, root: history.repository.reportRoot.description)
        switch request.selection {
        case .prePush, .preReceive: result.pushed = true
        case .allRefs, .revisions: break
        }
        let batch = HistoryInputs.collect(history, verify: request.verifyObjects, into: &result)
        let totalBytes = batch.inputs.reduce(0) { $0.addingReportingOverflow($1.size).overflow ? Int.max : $0 + $1.size }
        try runner.run(batch, into: &result, progress: progress?(batch.inputs.count, totalBytes))
        if case .allRefs = request.selection { policy.apply(to: &result) } else { policy.apply(to: &result, reportUnused: false) }
        result.findings = FindingGrouping.byValue(result.findings)
        result.suppressed = FindingGrouping.byValue(result.suppressed)
        result.durationMs = milliseconds(since: started, clock)
        return result
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    func milliseconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Int {
        let d = clock.now - start
        return Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
    }
}
