/// A sniffer's verdict on one input.
public enum SniffResult: Sendable {
    /// Not this format: ask the next sniffer.
    case notMine
    /// This format, and it is an artifact worth reporting.
    case found(Detection)
    /// Recognised as something that is not a leak (a Git LFS pointer, a PNG): stop, report nothing.
    case benign(String)
}

/// What a sniffer recognised.
public struct Detection: Sendable {
    /// Stable format id, also the rule id's suffix (`artifact.<format>`).
    public var format: String
    public var category: Category
    /// What it is, for people: "PyTorch training checkpoint", "GGUF model".
    public var label: String
    public var summary: ArtifactSummary
    /// Structural problems met while reading ("truncated: header declares 2 GB, file has 12 KB").
    public var problems: [String]

    public init(format: String, category: Category, label: String, summary: ArtifactSummary = ArtifactSummary(), problems: [String] = []) {
        self.format = format
        self.category = category
        self.label = label
        self.summary = summary
        self.problems = problems
    }
}
