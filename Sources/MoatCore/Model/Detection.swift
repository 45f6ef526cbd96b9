/// A sniffer's verdict on one input.
public enum SniffResult: Sendable {
    /// Not this format: ask the next sniffer.
    case notMine
    /// This format, and it is an artifact worth reporting.
    case found(Detection)
    /// Recognised as something that is not a leak (a Git LFS pointer, a PNG): stop, report nothing.
    case benign(Benign)
}

/// What a harmless input was recognised as. Callers act on the case, never on its wording.
public enum Benign: Sendable, Equatable, CustomStringConvertible {
    /// Text: no artifact, and the whole of it is searched for secrets.
    case text
    /// A Git LFS pointer: the real file (`storedBytes` long) lives on the LFS server, not in git.
    case lfsPointer(storedBytes: Int)
    /// Another harmless format, by name ("PNG image", "NumPy object array"): nothing to search.
    case known(String)

    public var description: String {
        switch self {
        case .text: return "text"
        case .lfsPointer(let n): return "Git LFS pointer (\(n) bytes stored in LFS)"
        case .known(let name): return name
        }
    }
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
    /// Whether the content may hold strings worth searching for secrets: false for headerless
    /// numeric dumps, whose "strings" are only chance runs of printable bytes.
    public var hasStrings: Bool
    /// Whether the content is text (a JSONL or CSV dataset): searched for secrets whole, as text,
    /// with lines and columns, like any text file.
    public var isText = false

    public init(format: String, category: Category, label: String, summary: ArtifactSummary = ArtifactSummary(), problems: [String] = [],
                hasStrings: Bool = true) {
        self.hasStrings = hasStrings
        self.format = format
        self.category = category
        self.label = label
        self.summary = summary
        self.problems = problems
    }
}
