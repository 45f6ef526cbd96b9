import MoatCore

/// GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per finding
/// (block, warn, info), then moat's summary line (docs/reports.md).
///
/// Escaping follows the runner's rules: in the message `%`, CR and LF become `%25`, `%0D`, `%0A`; in
/// property values (`file`, `title`) also `:` and `,` become `%3A` and `%2C`. So no content can end
/// the command early or start another one. Only secret previews appear here, never values: the
/// log of a public repository's workflow is public.
public struct GitHubReport: Report {
    public init() {}

    public func render(_ r: ScanResult) -> String {
        var out = ""
        for f in r.sortedFindings {
            var props = ["file=" + GitHubReport.escapeProperty(f.path.description)]
            if let line = f.line, line >= 1 {
                props.append("line=\(line)")
                if let col = f.column, col >= 1 { props.append("col=\(col)") }
            }
            props.append("title=" + GitHubReport.escapeProperty("moat: \(f.label) (\(f.rule))"))
            var message = f.message
            if let p = f.provenance, let c = f.commit {
                message += "\nadded in \(c.prefix(10)) by \(p.author) on \(DateFormatting.day(p.time))" + (p.inHead ? "" : ", deleted since but still in history")
            }
            if f.severity == .block {
                var advice = FindingText.advice(f, mode: r.mode)
                if f.kind == .secret {
                    // The values are never in this format, so do not suggest they are.
                    advice = advice.split(separator: "\n").filter { !$0.contains("--show-secrets") }.joined(separator: "\n")
                }
                message += "\n" + advice
            }
            out += "::\(GitHubReport.command(f.severity)) \(props.joined(separator: ","))::\(GitHubReport.escapeData(message))\n"
        }
        out += TextReport(color: false).summaryLine(r) + "\n"
        return out
    }

    static func command(_ s: Severity) -> String { FindingText.by(s, block: "error", warn: "warning", info: "notice") }

    /// The message part of a workflow command.
    static func escapeData(_ s: String) -> String {
        FindingText.replacingScalars(s) { ["%": "%25", "\r": "%0D", "\n": "%0A"][$0] }
    }

    /// A property value of a workflow command.
    static func escapeProperty(_ s: String) -> String {
        FindingText.replacingScalars(escapeData(s)) { [":": "%3A", ",": "%2C"][$0] }
    }
}
