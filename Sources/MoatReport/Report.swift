import MoatCore

/// An output format. Each format is one type in its own file; the CLI picks one by name.
public protocol Report {
    /// Renders the whole result as the bytes to write.
    func render(_ result: ScanResult) -> String
}

/// The output formats, by the name `--format` takes.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, sarif, junit, github, gitlab, markdown

    /// The report for this format. `color` applies to text only.
    public func report(color: Bool) -> any Report {
        switch self {
        case .text: return TextReport(color: color)
        case .json: return JSONReport()
        case .sarif: return SarifReport()
        case .junit: return JUnitReport()
        case .github: return GitHubReport()
        case .gitlab: return GitLabSecretDetectionReport()
        case .markdown: return MarkdownReport()
        }
    }
}
