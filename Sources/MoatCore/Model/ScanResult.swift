import MoatBytes

/// Everything one scanning command produced: the input to every report format.
public struct ScanResult: Sendable {
    /// `scan`, `staged`, `history` ...
    public var mode: String
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
    /// Non-fatal problems (unreadable files, broken symlinks), one line each.
    public var warnings: [String] = []
    /// Things deliberately not scanned, by reason ("symlinks": 2, "submodules": 1, "lfs-pointers": 3).
    public var skipped: [String: Int] = [:]

    public init(mode: String, root: String) {
        self.mode = mode
        self.root = root
    }

    /// The most severe finding's severity, or nil when there are none.
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// Findings sorted for output: most severe first, then by path.
    public var sortedFindings: [Finding] {
        findings.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if a.path != b.path { return a.path < b.path }
            if (a.line ?? 0, a.column ?? 0) != (b.line ?? 0, b.column ?? 0) { return (a.line ?? 0, a.column ?? 0) < (b.line ?? 0, b.column ?? 0) }
            return a.rule < b.rule
        }
    }

    public mutating func skip(_ reason: String) { skipped[reason, default: 0] += 1 }
}

/// The tool's identity as reports show it.
public enum MoatVersion {
    public static let name = "moat"
    public static let version = "0.1.0"
}
