import MoatCore

/// A GitHub-flavoured Markdown summary for `$GITHUB_STEP_SUMMARY` and pull/merge request comments:
/// a headline, a table of the first `limit` findings, and how to fix them (docs/reports.md).
/// Every string taken from a finding is escaped, so a hostile path or label cannot break the table,
/// inject HTML or links, or mention people. Secret values are never shown here, only previews.
public struct MarkdownReport: Report {
    /// How many findings the table lists; the rest are counted.
    public var limit: Int
    public init(limit: Int = 100) { self.limit = max(0, limit) }

    public func render(_ r: ScanResult) -> String {
        let findings = r.sortedFindings
        let c = FindingText.counts(r)
        var out = "## moat: " + FindingText.headline(r) + (c.block > 0 ? " (fails the check)" : "") + "\n\n"
        out += "_" + stats(r) + "_\n"
        if !r.shallowBoundary.isEmpty { out += "\nShallow clone: older history was not in this clone and was not scanned.\n" }
        if r.missingObjects > 0 {
            out += "\n**\(r.missingObjects) git \(r.missingObjects == 1 ? "object" : "objects") could not be read and \(r.missingObjects == 1 ? "was" : "were") not scanned.**\n"
        }
        guard !findings.isEmpty else { return out }
        out += "\n| Severity | Location | What | Rule |\n| --- | --- | --- | --- |\n"
        for f in findings.prefix(limit) {
            let where_ = MarkdownReport.escape(FindingText.truncated(FindingText.location(f), 200))
                + (f.commit.map { " in " + MarkdownReport.escape(String($0.prefix(10))) } ?? "")
            out += "| \(MarkdownReport.severity(f.severity)) | \(where_) | \(MarkdownReport.escape(FindingText.truncated(f.message, 300))) | \(MarkdownReport.escape(f.rule)) |\n"
        }
        if findings.count > limit {
            let more = findings.count - limit
            out += "\n... and \(more) more \(more == 1 ? "finding" : "findings") (run with `--format json` or `--format sarif` for all of them).\n"
        }
        let blocking = findings.filter { $0.severity == .block }
        var advice: [String] = []
        if let a = blocking.first(where: { $0.kind == .artifact }) {
            let paths = Set(blocking.filter { $0.kind == .artifact }.map(\.path))
            advice.append(FindingText.advice(kind: .artifact, mode: r.mode, path: paths.count == 1 ? a.path.description : nil))
        }
        if blocking.contains(where: { $0.kind == .secret }) {
            advice.append(FindingText.advice(kind: .secret, mode: r.mode, path: nil, valuesShown: true))
        }
        if !advice.isEmpty {
            out += "\n### How to fix\n\n" + MarkdownReport.fence(advice.joined(separator: "\n\n")) + "\n"
        }
        return out
    }

    private func stats(_ r: ScanResult) -> String {
        let unit = r.mode == .history ? (r.filesScanned == 1 ? "blob" : "blobs") : (r.filesScanned == 1 ? "file" : "files")
        var s = "\(r.mode.rawValue): \(r.filesScanned) \(unit)"
        if r.mode == .history { s += " in \(r.commitsWalked) \(r.commitsWalked == 1 ? "commit" : "commits")" }
        return s + ", \(FindingMessage.bytes(r.bytesRead)) read, \(r.durationMs) ms"
    }

    static func severity(_ s: Severity) -> String { FindingText.by(s, block: "🔴 block", warn: "🟡 warn", info: "⚪ info") }

    /// Text safe inside a Markdown paragraph or table cell: ASCII punctuation that Markdown or HTML
    /// give meaning to is backslash-escaped (pipes, backticks, `<`, `>`, `&`, brackets, emphasis),
    /// `@` and `#` get a zero-width joiner so they mention nobody and link no issue, line breaks and
    /// other control characters become spaces.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "+", "-", ".", "!", "|", "<", ">", "&", "~", "$":
                if u == "#" { out += "#\u{2060}"; continue }
                out += "\\"
                out.unicodeScalars.append(u)
            case "@":
                out += "@\u{2060}"
            default:
                if u.value < 0x20 || u.value == 0x7F || (u.value >= 0x80 && u.value < 0xA0) || u == "\u{2028}" || u == "\u{2029}" {
                    out += " "
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// A fenced code block whose fence is longer than any backtick run inside.
    static func fence(_ body: String) -> String {
        var longest = 0, run = 0
        for c in body.unicodeScalars {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let f = String(repeating: "`", count: max(3, longest + 1))
        return f + "text\n" + body + "\n" + f
    }
}
