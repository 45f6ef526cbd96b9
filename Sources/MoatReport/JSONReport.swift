import MoatCore

/// The JSON contract, version 1 (documented in docs/json-output.md). Other tools parse it: add
/// fields freely, never rename or remove one without bumping `version`.
public struct JSONReport: Report {
    /// Details written as JSON numbers, not strings (the protected-model contract, docs/json-output.md).
    static let numericDetails: Set<String> = ["protected.matched_tensors", "protected.total_tensors", "protected.similarity"]
    public static let schemaVersion = 1
    public init() {}

    public func render(_ r: ScanResult) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("version", JSONReport.schemaVersion)
        w.beginObject("tool")
        w.field("name", MoatVersion.name)
        w.field("version", MoatVersion.version)
        w.endObject()
        w.beginObject("scan")
        w.field("mode", r.mode.rawValue)
        w.field("root", r.root)
        w.field("files_scanned", r.filesScanned)
        w.field("bytes_read", r.bytesRead)
        w.field("duration_ms", r.durationMs)
        w.field("missing_objects", r.missingObjects)
        if r.mode == .history {
            w.field("commits", r.commitsWalked)
            w.beginArray("shallow_boundary")
            for id in r.shallowBoundary { w.element(id) }
            w.endArray()
        }
        w.beginObject("skipped")
        for (k, v) in r.skipped.sorted(by: { $0.key < $1.key }) { w.field(k.rawValue, v) }
        w.endObject()
        w.beginArray("warnings")
        for warning in r.warnings { w.element(warning) }
        w.endArray()
        w.beginArray("rules_stopped")
        for stop in r.rulesStopped {
            w.beginObject()
            w.field("path", stop.path.description)
            w.field("rule", stop.rule)
            w.field("reason", stop.reason)
            w.field("offset", stop.offset)
            w.endObject()
        }
        w.endArray()
        w.field("fail_on", r.failOn.rawValue)
        w.field("suppressed", r.suppressed.count)
        w.beginArray("unused_allow_entries")
        for u in r.unusedAllowEntries { w.element(u) }
        w.endArray()
        w.field("stale_baseline_entries", r.staleBaselineEntries)
        w.endObject()
        w.beginArray("findings")
        for f in r.sortedFindings { write(f, into: &w) }
        w.endArray()
        if r.showSuppressed {
            w.beginArray("suppressed")
            for f in ScanResult.sorted(r.suppressed) { write(f, into: &w) }
            w.endArray()
        }
        w.endObject()
        return w.out + "\n"
    }

    private func write(_ f: Finding, into w: inout JSONWriter) {
        w.beginObject()
        w.field("kind", f.kind.rawValue)
        w.field("category", f.category.rawValue)
        w.field("rule", f.rule)
        w.field("format", f.format)
        w.field("severity", f.severity.rawValue)
        w.field("path", f.path.description)
        w.field("size", f.size)
        w.field("blob", f.blob)
        w.field("commit", f.commit)
        w.field("line", f.line)
        w.field("column", f.column)
        if f.kind == .secret { w.field("offset", f.offset) }
        w.field("label", f.label)
        w.beginObject("summary")
        let s = f.summary
        w.field("tensors", s.tensors)
        w.field("parameters", s.parameters)
        w.beginArray("dtypes")
        for d in s.dtypes { w.element(d) }
        w.endArray()
        w.field("tensor_bytes", s.tensorBytes)
        w.field("architecture", s.architecture)
        w.field("optimizer", s.optimizer)
        w.beginArray("notes")
        for n in s.notes { w.element(n) }
        w.endArray()
        w.beginObject("details")
        for (k, v) in s.details {
            if JSONReport.numericDetails.contains(k) { w.field(k, number: v) } else { w.field(k, v) }
        }
        w.endObject()
        w.endObject()
        w.beginArray("path_hints")
        for h in f.pathHints { w.element(h) }
        w.endArray()
        if let e = f.secret {
            w.beginObject("secret")
            w.field("preview", e.preview)
            if let v = e.value { w.field("value", v) }
            w.field("entropy", hundredths: Int((e.entropy * 100).rounded()))
            w.field("why", e.why)
            w.endObject()
        }
        if let p = f.provenance {
            w.beginObject("history")
            w.field("author", p.author)
            w.field("date", DateFormatting.iso8601(p.time))
            w.field("paths", p.paths)
            w.field("commits", p.commits)
            w.field("in_head", p.inHead)
            w.endObject()
        }
        if !f.occurrences.isEmpty {
            w.beginObject("occurrences")
            w.field("count", f.occurrences.count)
            w.beginArray("places")
            for o in f.occurrences.prefix(FindingGrouping.listedPlaces) {
                w.beginObject()
                w.field("path", o.path.description)
                w.field("commit", o.commit)
                w.field("blob", o.blob)
                w.field("line", o.line)
                w.field("date", o.time.map(DateFormatting.iso8601))
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        if let s = f.suppression {
            w.beginObject("suppression")
            switch s.source {
            case .allowlist(let i):
                w.field("source", "allowlist")
                w.field("entry", i + 1)
            case .inline: w.field("source", "inline")
            case .baseline: w.field("source", "baseline")
            }
            w.field("reason", s.reason)
            w.endObject()
        }
        w.field("message", f.message)
        w.field("fingerprint", f.fingerprint)
        w.endObject()
    }
}
