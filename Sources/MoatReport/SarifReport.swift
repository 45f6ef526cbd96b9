import MoatCore

/// SARIF 2.1.0 (OASIS), for GitHub code scanning and other SARIF viewers (docs/reports.md).
///
/// One run; one rule per rule id that fired; one result per finding with a relative,
/// percent-encoded `artifactLocation.uri` under `%SRCROOT%`, a region only for text findings, moat's
/// fingerprint under `partialFingerprints["moatFingerprint/v1"]`, and the rest in `properties`.
/// Secret values appear only when the finding carries one (`--show-secrets`).
public struct SarifReport: Report {
    public static let fingerprintKey = "moatFingerprint/v1"
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    public static let srcRoot = "%SRCROOT%"

    public init() {}

    public func render(_ r: ScanResult) -> String {
        let findings = r.sortedFindings
        let rules = ruleTable(findings)
        var w = JSONWriter()
        w.beginObject()
        w.field("$schema", SarifReport.schemaURI)
        w.field("version", "2.1.0")
        w.beginArray("runs")
        w.beginObject()
        w.beginObject("tool")
        w.beginObject("driver")
        w.field("name", MoatVersion.name)
        w.field("version", MoatVersion.version)
        w.field("semanticVersion", MoatVersion.version)
        if let uri = FindingText.homepage { w.field("informationUri", uri) }
        w.beginArray("rules")
        for rule in rules { write(rule, mode: r.mode, into: &w) }
        w.endArray()
        w.endObject()
        w.endObject()
        if let root = rootURI(r.root) {
            w.beginObject("originalUriBaseIds")
            w.beginObject(SarifReport.srcRoot)
            w.field("uri", root)
            w.endObject()
            w.endObject()
        }
        w.beginArray("invocations")
        w.beginObject()
        w.field("executionSuccessful", true)
        var notes = r.warnings
        if r.missingObjects > 0 { notes.append("\(r.missingObjects) git objects could not be read and were not scanned") }
        if !r.shallowBoundary.isEmpty { notes.append("shallow clone: history before \(r.shallowBoundary.joined(separator: ", ")) was not scanned") }
        if !notes.isEmpty {
            w.beginArray("toolExecutionNotifications")
            for n in notes {
                w.beginObject()
                w.field("level", "warning")
                w.beginObject("message")
                w.field("text", n)
                w.endObject()
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
        w.endArray()
        w.beginArray("results")
        let index = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        for f in findings { write(f, ruleIndex: index[f.rule] ?? 0, into: &w) }
        w.endArray()
        w.beginObject("properties")
        w.field("mode", r.mode.rawValue)
        w.field("filesScanned", r.filesScanned)
        w.field("bytesRead", r.bytesRead)
        w.field("durationMs", r.durationMs)
        w.field("missingObjects", r.missingObjects)
        if r.mode == .history { w.field("commits", r.commitsWalked) }
        w.endObject()
        w.endObject()
        w.endArray()
        w.endObject()
        return w.out + "\n"
    }

    struct Rule {
        var id: String
        var kind: Finding.Kind
        var category: Category
        var labels: [String]
        var worst: Severity
    }

    /// One entry per rule id that fired, in order of first appearance among the sorted findings.
    func ruleTable(_ findings: [Finding]) -> [Rule] {
        var rules: [Rule] = []
        var at: [String: Int] = [:]
        for f in findings {
            if let i = at[f.rule] {
                if !rules[i].labels.contains(f.label) { rules[i].labels.append(f.label) }
                rules[i].worst = max(rules[i].worst, f.severity)
            } else {
                at[f.rule] = rules.count
                rules.append(Rule(id: f.rule, kind: f.kind, category: f.category, labels: [f.label], worst: f.severity))
            }
        }
        return rules
    }

    private func write(_ rule: Rule, mode: ScanMode, into w: inout JSONWriter) {
        let advice = FindingText.advice(kind: rule.kind, mode: mode, path: nil)
        let full = FindingText.fullDescription(kind: rule.kind, rule: rule.id)
        w.beginObject()
        w.field("id", rule.id)
        w.field("name", SarifReport.pascalName(rule.id))
        w.beginObject("shortDescription")
        w.field("text", FindingText.shortDescription(kind: rule.kind, rule: rule.id, labels: rule.labels))
        w.endObject()
        w.beginObject("fullDescription")
        w.field("text", full)
        w.endObject()
        w.beginObject("help")
        w.field("text", full + "\n\n" + advice)
        w.field("markdown", MarkdownReport.escape(full) + "\n\n```text\n" + advice + "\n```")
        w.endObject()
        if let uri = FindingText.helpURI(kind: rule.kind) { w.field("helpUri", uri) }
        w.beginObject("defaultConfiguration")
        w.field("level", SarifReport.level(rule.worst))
        w.endObject()
        w.beginObject("properties")
        w.beginArray("tags")
        for tag in ["security", rule.kind.rawValue, rule.category.rawValue].uniqued() { w.element(tag) }
        w.endArray()
        w.field("precision", "high")
        w.field("security-severity", SarifReport.securitySeverity(rule.worst))
        w.endObject()
        w.endObject()
    }

    private func write(_ f: Finding, ruleIndex: Int, into w: inout JSONWriter) {
        w.beginObject()
        w.field("ruleId", f.rule)
        w.field("ruleIndex", ruleIndex)
        w.field("level", SarifReport.level(f.severity))
        w.beginObject("message")
        w.field("text", f.message)
        w.endObject()
        w.beginArray("locations")
        w.beginObject()
        w.beginObject("physicalLocation")
        w.beginObject("artifactLocation")
        w.field("uri", FindingText.uriReference(f.path.bytes))
        w.field("uriBaseId", SarifReport.srcRoot)
        w.endObject()
        if let line = f.line, line >= 1 {
            w.beginObject("region")
            w.field("startLine", line)
            if let column = f.column, column >= 1 { w.field("startColumn", column) }
            w.endObject()
        }
        w.endObject()
        w.endObject()
        w.endArray()
        w.beginObject("partialFingerprints")
        w.field(SarifReport.fingerprintKey, f.fingerprint)
        w.endObject()
        w.beginObject("properties")
        w.field("kind", f.kind.rawValue)
        w.field("category", f.category.rawValue)
        w.field("format", f.format)
        w.field("severity", f.severity.rawValue)
        w.field("label", f.label)
        w.field("path", f.path.description)
        w.field("size", f.size)
        if let p = f.summary.parameters { w.field("parameters", p) }
        if let t = f.summary.tensors { w.field("tensors", t) }
        if !f.summary.dtypes.isEmpty {
            w.beginArray("dtypes")
            for d in f.summary.dtypes { w.element(d) }
            w.endArray()
        }
        if let a = f.summary.architecture { w.field("architecture", a) }
        if let o = f.summary.optimizer { w.field("optimizer", o) }
        if !f.pathHints.isEmpty {
            w.beginArray("pathHints")
            for h in f.pathHints { w.element(h) }
            w.endArray()
        }
        if let b = f.blob { w.field("blob", b) }
        if let c = f.commit { w.field("commit", c) }
        if let p = f.provenance {
            w.field("author", p.author)
            w.field("date", DateFormatting.iso8601(p.time))
            w.field("inHead", p.inHead)
        }
        if let e = f.secret {
            w.field("secretPreview", e.preview)
            if let v = e.value { w.field("secretValue", v) }
            w.field("why", e.why)
        }
        w.endObject()
        w.endObject()
    }

    /// block -> error, warn -> warning, info -> note.
    static func level(_ s: Severity) -> String { FindingText.by(s, block: "error", warn: "warning", info: "note") }

    /// GitHub's `security-severity` (0.0-10.0): block is high, warn medium, info low.
    static func securitySeverity(_ s: Severity) -> String { FindingText.by(s, block: "8.0", warn: "5.0", info: "2.0") }

    /// "artifact.pytorch-zip" -> "ArtifactPytorchZip" (SARIF rule names are identifiers).
    static func pascalName(_ id: String) -> String {
        var out = ""
        var upper = true
        for c in id.unicodeScalars {
            let alnum = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
            if !alnum { upper = true; continue }
            out += upper ? String(c).uppercased() : String(c)
            upper = false
        }
        return out.isEmpty ? "Rule" : out
    }

    /// The scanned root as an absolute `file:` URI ending in `/`, or nil when it is not absolute.
    func rootURI(_ root: String) -> String? {
        guard root.hasPrefix("/") else { return nil }
        let encoded = FindingText.uriReference(Array(root.utf8))
        return "file://" + encoded + (encoded.hasSuffix("/") ? "" : "/")
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
