/// What a format's header says about an artifact, as far as it could be read cheaply.
public struct ArtifactSummary: Sendable, Equatable {
    /// Number of tensors (or arrays) described.
    public var tensors: Int?
    /// Total number of elements over all tensors (the parameter count for weights).
    public var parameters: Int?
    /// Element types as the format names them, in first-seen order (`F32`, `bfloat16`, `Q8_0`).
    public var dtypes: [String] = []
    /// Bytes of tensor data the header describes.
    public var tensorBytes: Int?
    /// Model architecture when the header or tensor names reveal it (`llama`, `gpt2`).
    public var architecture: String?
    /// Optimizer, when training state is present (`AdamW`, `SGD`).
    public var optimizer: String?
    /// Short facts worth showing ("LoRA adapter", "training state: epoch, global_step").
    public var notes: [String] = []
    /// Format-specific facts for the JSON report, in a stable order (`producer`, `ir_version`).
    public var details: [(String, String)] = []

    public init() {}

    /// Caps on what content can add: each adder scans its list (so an uncapped list of distinct
    /// hostile dtypes or metadata keys would cost quadratic time), and every entry ends up in a report.
    public static let maxDtypes = 32
    public static let maxNotes = 32
    public static let maxDetails = 64
    /// Longest dtype, note, detail key and detail value kept, in characters.
    public static let maxDtypeLength = 64
    public static let maxTextLength = 1_024

    public mutating func addDtype(_ d: String) {
        let d = ArtifactSummary.clip(d, ArtifactSummary.maxDtypeLength)
        if dtypes.count < ArtifactSummary.maxDtypes, !dtypes.contains(d) { dtypes.append(d) }
    }
    public mutating func addNote(_ n: String) {
        let n = ArtifactSummary.clip(n, ArtifactSummary.maxTextLength)
        if notes.count < ArtifactSummary.maxNotes, !notes.contains(n) { notes.append(n) }
    }
    public mutating func addDetail(_ key: String, _ value: String) {
        let key = ArtifactSummary.clip(key, ArtifactSummary.maxTextLength)
        if details.count < ArtifactSummary.maxDetails, !details.contains(where: { $0.0 == key }) {
            details.append((key, ArtifactSummary.clip(value, ArtifactSummary.maxTextLength)))
        }
    }

    /// `s` cut to `limit` Unicode scalars (not characters: one character may hold any number of
    /// combining marks), with an ellipsis when cut.
    static func clip(_ s: String, _ limit: Int) -> String {
        s.utf8.count <= limit ? s : String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit))) + "…"
    }

    public static func == (a: ArtifactSummary, b: ArtifactSummary) -> Bool {
        a.tensors == b.tensors && a.parameters == b.parameters && a.dtypes == b.dtypes && a.tensorBytes == b.tensorBytes
            && a.architecture == b.architecture && a.optimizer == b.optimizer && a.notes == b.notes
            && a.details.map { $0.0 + "=" + $0.1 } == b.details.map { $0.0 + "=" + $0.1 }
    }
}
