import MoatBytes

/// What was scanned: files on disk, the changes staged for a commit, or history.
public enum ScanMode: String, Sendable, CaseIterable {
    case scan, staged, history
}

/// Why an input was not scanned. The raw values are JSON keys of `scan.skipped`.
public enum SkipReason: String, Sendable, CaseIterable, Comparable {
    /// Symbolic links: never followed.
    case symlinks
    /// Symbolic links whose target does not exist.
    case brokenSymlinks = "broken-symlinks"
    /// Submodule entries (gitlinks): another repository's content.
    case submodules
    /// FIFOs, sockets and devices: never opened.
    case specialFiles = "special-files"
    /// Paths `.gitignore` excludes (`moat scan` without `--no-ignore`).
    case ignored
    /// Git LFS pointers: the content lives on the LFS server.
    case lfsPointers = "lfs-pointers"
    /// Files that could not be opened or read.
    case unreadable

    public static func < (a: SkipReason, b: SkipReason) -> Bool { a.rawValue < b.rawValue }
}

/// Everything one scanning command produced: the input to every report format.
public struct ScanResult: Sendable {
    public var mode: ScanMode
    /// The scanned root (a directory, or the repository's work tree).
    public var root: String
    public var filesScanned = 0
    public var bytesRead = 0
    public var durationMs = 0
    public var findings: [Finding] = []
    /// Objects a history scan could not read (partial or shallow clones, damage): counted, never hidden.
    public var missingObjects = 0
    /// Commits walked by a history scan.
    public var commitsWalked = 0
    /// In a shallow clone, the commits the walk stopped at (their parents are not in the clone, so
    /// older history was not scanned); empty otherwise. Not an error: CI checkouts are shallow.
    public var shallowBoundary: [String] = []
    /// Non-fatal problems (unreadable files, broken symlinks), one line each.
    public var warnings: [String] = []
    /// Secret rules that could not search all of an input (work budget, PCRE2 match limit): their
    /// matches past `offset` may be missing. Reported (a warning each and in JSON), never silent.
    public var rulesStopped: [RuleStop] = []
    /// Inputs not scanned, by reason.
    public var skipped: [SkipReason: Int] = [:]
    /// Findings the user accepted (allowlist, baseline, inline `moat:allow`), each with its
    /// `suppression`: counted and listed on request, never failing the scan.
    public var suppressed: [Finding] = []
    /// Allowlist entries that matched nothing in this scan ("allow entry 2 at .moat.yaml:14 ..."),
    /// so allowlists do not rot.
    public var unusedAllowEntries: [String] = []
    /// Baseline entries whose finding was not seen in this scan (fixed, or out of its scope).
    public var staleBaselineEntries = 0
    /// The lowest severity that fails this scan (the policy's `fail-on`).
    public var failOn: Severity = .block
    /// Whether reports list the suppressed findings (`--show-suppressed`); they always count them.
    public var showSuppressed = false
    /// A history scan of commits being pushed (pre-push, pre-receive): they are not in the
    /// destination yet, so the fix is to rewrite them and push again, not to purge a published history.
    public var pushed = false

    public init(mode: ScanMode, root: String) {
        self.mode = mode
        self.root = root
    }

    /// The most severe finding's severity, or nil when there are none.
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// Whether some finding is at or above `failOn`.
    public var fails: Bool { worstSeverity.map { $0 >= failOn } ?? false }

    /// Findings sorted for output: most severe first, then by path.
    public var sortedFindings: [Finding] { Self.sorted(findings) }

    /// `findings` most severe first, then by path, line, column and rule.
    public static func sorted(_ findings: [Finding]) -> [Finding] {
        findings.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if a.path != b.path { return a.path < b.path }
            if (a.line ?? 0, a.column ?? 0) != (b.line ?? 0, b.column ?? 0) { return (a.line ?? 0, a.column ?? 0) < (b.line ?? 0, b.column ?? 0) }
            return a.rule < b.rule
        }
    }

    /// Counts `count` inputs skipped for `reason` (zero counts are not recorded).
    public mutating func skip(_ reason: SkipReason, count: Int = 1) {
        if count > 0 { skipped[reason, default: 0] += count }
    }
}

/// The tool's identity as reports show it.
public enum MoatVersion {
    public static let name = "moat"
    public static let version = "0.1.0"
}
