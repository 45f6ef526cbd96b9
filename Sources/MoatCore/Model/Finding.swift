import MoatBytes

/// One reportable result. Field names mirror the JSON contract (see `JSONReport`).
public struct Finding: Sendable {
    public enum Kind: String, Sendable { case artifact, secret }

    public var kind: Kind
    public var category: Category
    /// Stable rule id, e.g. `artifact.safetensors`.
    public var rule: String
    public var format: String
    public var severity: Severity
    /// Path relative to the scanned root or repository.
    public var path: PathBytes
    /// Size of the file or blob in bytes.
    public var size: Int
    /// Git blob id when known.
    public var blob: String?
    /// Commit id when known.
    public var commit: String?
    /// 1-based line for text findings.
    public var line: Int?
    /// 1-based column (in bytes) for text findings.
    public var column: Int?
    /// For secrets: the value's byte offset in the file or blob (the only location a secret in a
    /// binary container has).
    public var offset: Int?
    /// History scans: every place the same secret value was found by the same rule (this one
    /// first), when there are several; one finding then stands for all of them.
    public var occurrences: [Occurrence] = []
    /// For secrets: the redacted value and why it matched.
    public var secret: SecretEvidence?
    public var summary: ArtifactSummary
    /// What it is, for people: "PyTorch training checkpoint".
    public var label: String
    /// One human sentence.
    public var message: String
    /// Why the path looks like what it is (path rules that matched), for people.
    public var pathHints: [String]
    /// Stable across runs and machines (see `Fingerprint`).
    public var fingerprint: String
    /// Where the content lives in a repository's history (history scans only).
    public var provenance: Provenance?
    /// Set when the user accepted this finding (an allowlist entry, an inline `moat:allow`, a
    /// baseline): it is reported apart and never fails a scan.
    public var suppression: Suppression?

    public init(kind: Kind, category: Category, rule: String, format: String, severity: Severity, path: PathBytes,
                size: Int, blob: String? = nil, commit: String? = nil, line: Int? = nil, column: Int? = nil,
                secret: SecretEvidence? = nil, summary: ArtifactSummary,
                label: String, message: String, pathHints: [String] = [], fingerprint: String) {
        self.kind = kind
        self.category = category
        self.rule = rule
        self.format = format
        self.severity = severity
        self.path = path
        self.size = size
        self.blob = blob
        self.commit = commit
        self.line = line
        self.column = column
        // Content reaches these strings (dtypes, architectures, producers, class names, matched
        // values): escaped here, once, so no sniffer or detector can forget (see `DisplayText`).
        self.secret = secret.map { e in
            SecretEvidence(preview: DisplayText.escape(e.preview), value: e.value.map(DisplayText.escape), entropy: e.entropy,
                           why: DisplayText.escape(e.why))
        }
        self.summary = summary.escaped
        self.label = DisplayText.escape(label)
        self.message = DisplayText.escape(message)
        self.pathHints = pathHints.map(DisplayText.escape)
        self.fingerprint = fingerprint
    }
}

extension ArtifactSummary {
    /// Every string escaped for display (`DisplayText.escape`).
    var escaped: ArtifactSummary {
        var s = self
        s.dtypes = dtypes.map(DisplayText.escape)
        s.architecture = architecture.map(DisplayText.escape)
        s.optimizer = optimizer.map(DisplayText.escape)
        s.notes = notes.map(DisplayText.escape)
        s.details = details.map { (DisplayText.escape($0.0), DisplayText.escape($0.1)) }
        return s
    }
}

/// One place a secret was found (`Finding.occurrences`).
public struct Occurrence: Sendable, Equatable {
    public var path: PathBytes
    public var commit: String?
    public var blob: String?
    public var line: Int?
    /// Author time of the commit that introduced the blob, when known.
    public var time: Int64?

    public init(path: PathBytes, commit: String?, blob: String?, line: Int?, time: Int64?) {
        self.path = path
        self.commit = commit
        self.blob = blob
        self.line = line
        self.time = time
    }
}

/// Where a blob lives in history: who introduced it, where, and whether it is still there.
public struct Provenance: Sendable, Equatable {
    /// Author of the first commit that introduced the blob.
    public var author: String
    /// That commit's author time, seconds since 1970 (UTC).
    public var time: Int64
    /// How many distinct paths carry the same blob.
    public var paths: Int
    /// How many commits introduced the blob at one of its paths.
    public var commits: Int
    /// Whether the blob is in HEAD's tree.
    public var inHead: Bool
    /// The introducing commit's position in the walk (oldest first), when known.
    public var order: Int?

    public init(author: String, time: Int64, paths: Int, commits: Int, inHead: Bool) {
        self.author = author
        self.time = time
        self.paths = paths
        self.commits = commits
        self.inHead = inHead
    }
}

/// What a secret finding shows about the value. The full value is kept only when the user asked
/// for it (`--show-secrets`); otherwise only a redacted preview exists in memory past detection.
public struct SecretEvidence: Sendable, Equatable {
    /// "hf_Ab…89 (37 chars)": enough to recognise the value, not enough to use it.
    public var preview: String
    /// The full value, only with `--show-secrets`.
    public var value: String?
    /// Shannon entropy of the value in bits per byte.
    public var entropy: Double
    /// Why it matched: keyword, entropy threshold, offline validation.
    public var why: String

    public init(preview: String, value: String?, entropy: Double, why: String) {
        self.preview = preview
        self.value = value
        self.entropy = entropy
        self.why = why
    }
}
