#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatCore

/// GitLab's secret-detection security report (schema 15.0.7, `artifacts:reports:secret_detection`),
/// so findings show in merge requests and the vulnerability report (docs/reports.md).
///
/// Every finding becomes a `secret_detection` vulnerability, artifacts included: a committed model or
/// dataset is a leak of the same kind, and GitLab has no report type for it. Severity: a blocking
/// secret is Critical, a blocking artifact High, warn Medium, info Info. `location.commit.sha` is
/// the commit for history findings and "0000000" otherwise, as GitLab's own analyzer writes when
/// there is no commit. A secret's full value appears only when the finding carries one
/// (`--show-secrets`), in `raw_source_code_extract`.
public struct GitLabSecretDetectionReport: Report {
    public static let schemaVersion = "15.0.7"
    public static let noCommit = "0000000"

    /// When the scan ended, in seconds since 1970 (UTC); now when nil. Fixed in tests.
    public var endTime: Int64?
    public init(endTime: Int64? = nil) { self.endTime = endTime }

    public func render(_ r: ScanResult) -> String {
        let end = endTime ?? Int64(time(nil))
        let start = end - Int64(max(0, r.durationMs) / 1000)
        var w = JSONWriter()
        w.beginObject()
        w.field("version", GitLabSecretDetectionReport.schemaVersion)
        w.beginObject("scan")
        for key in ["analyzer", "scanner"] {
            w.beginObject(key)
            w.field("id", MoatVersion.name)
            w.field("name", MoatVersion.name)
            if let url = FindingText.homepage { w.field("url", url) }
            w.field("version", MoatVersion.version)
            w.beginObject("vendor")
            w.field("name", MoatVersion.name)
            w.endObject()
            w.endObject()
        }
        w.field("type", "secret_detection")
        w.field("start_time", GitLabSecretDetectionReport.timestamp(start))
        w.field("end_time", GitLabSecretDetectionReport.timestamp(end))
        w.field("status", "success")
        var notes = r.warnings
        if r.missingObjects > 0 { notes.append("\(r.missingObjects) git objects could not be read and were not scanned") }
        if !r.shallowBoundary.isEmpty { notes.append("shallow clone: older history was not scanned") }
        w.beginArray("messages")
        for n in notes where !n.isEmpty {
            w.beginObject()
            w.field("level", "warn")
            w.field("value", n)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.beginArray("vulnerabilities")
        for f in r.sortedFindings { write(f, mode: r.mode, into: &w) }
        w.endArray()
        w.endObject()
        return w.out + "\n"
    }

    private func write(_ f: Finding, mode: ScanMode, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", GitLabSecretDetectionReport.uuid(f))
        w.field("category", "secret_detection")
        w.field("name", FindingText.truncated(f.label.isEmpty ? f.rule : f.label, 255))
        var description = f.message
        if let e = f.secret { description += "\n\nWhy: " + e.why }
        if let p = f.provenance {
            description += "\n\nAdded by \(p.author) on \(DateFormatting.day(p.time))" + (p.inHead ? "; still at HEAD." : "; deleted since (not at HEAD), but still in every clone.")
        }
        w.field("description", FindingText.truncated(description, 1_000_000))
        w.field("severity", GitLabSecretDetectionReport.severity(f))
        w.field("solution", FindingText.truncated(FindingText.advice(f, mode: mode), 7000))
        w.beginObject("scanner")
        w.field("id", MoatVersion.name)
        w.field("name", MoatVersion.name)
        w.endObject()
        w.beginObject("location")
        w.field("file", f.path.description)
        if let line = f.line {
            w.field("start_line", line)
            w.field("end_line", line)
        }
        w.beginObject("commit")
        w.field("sha", f.commit ?? GitLabSecretDetectionReport.noCommit)
        if let p = f.provenance {
            w.field("author", p.author)
            w.field("date", DateFormatting.iso8601(p.time))
        }
        w.endObject()
        w.endObject()
        w.beginArray("identifiers")
        w.beginObject()
        w.field("type", "moat_rule_id")
        w.field("name", "moat rule \(f.rule)")
        w.field("value", f.rule)
        if let url = FindingText.helpURI(kind: f.kind) { w.field("url", url) }
        w.endObject()
        w.endArray()
        if let v = f.secret?.value { w.field("raw_source_code_extract", v) }
        w.endObject()
    }

    static func severity(_ f: Finding) -> String {
        FindingText.by(f.severity, block: f.kind == .secret ? "Critical" : "High", warn: "Medium", info: "Info")
    }

    /// "2026-03-02T14:05:09": the schema's UTC form, without a zone designator.
    static func timestamp(_ seconds: Int64) -> String { String(DateFormatting.iso8601(seconds).dropLast()) }

    /// A stable UUID-shaped id, unique per finding: FNV-1a over the fingerprint, rule, path, line,
    /// column and commit, two 64-bit halves.
    static func uuid(_ f: Finding) -> String {
        var key = Array("\(f.fingerprint)\u{0}\(f.rule)\u{0}\(f.line ?? 0):\(f.column ?? 0)\u{0}\(f.commit ?? "")\u{0}".utf8)
        key.append(contentsOf: f.path.bytes)
        func fnv(_ seed: UInt64) -> UInt64 {
            var h = seed
            for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            return h
        }
        let hex = [fnv(0xCBF2_9CE4_8422_2325), fnv(0x6C62_272E_07BB_0142)].map { h in
            (0..<8).reversed().map { FindingText.hexByte(UInt8(truncatingIfNeeded: h >> (UInt64($0) * 8))) }.joined()
        }.joined().lowercased()
        let c = Array(hex)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }
}
