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
    public var summary: ArtifactSummary
    /// What it is, for people: "PyTorch training checkpoint".
    public var label: String
    /// One human sentence.
    public var message: String
    /// Why the path looks like what it is (path rules that matched), for people.
    public var pathHints: [String]
    /// Stable across runs and machines (see `Fingerprint`).
    public var fingerprint: String

    public init(kind: Kind, category: Category, rule: String, format: String, severity: Severity, path: PathBytes,
                size: Int, blob: String? = nil, commit: String? = nil, line: Int? = nil, summary: ArtifactSummary,
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
        self.summary = summary
        self.label = label
        self.message = message
        self.pathHints = pathHints
        self.fingerprint = fingerprint
    }
}
