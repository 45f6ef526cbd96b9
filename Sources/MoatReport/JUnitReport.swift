import MoatCore

/// JUnit XML for CI test-report views (GitLab `artifacts:reports:junit`, Jenkins, GitHub test
/// reporters): one testsuite "moat"; a testcase "moat scan" that fails when anything blocks; one
/// testcase per finding, failed for block and passed (with the finding as output) for warn and info
/// (docs/reports.md). Text and attributes are XML-escaped, and characters XML 1.0 cannot carry are
/// replaced, so any path or label gives a well-formed document.
public struct JUnitReport: Report {
    public init() {}

    public func render(_ r: ScanResult) -> String {
        let findings = r.sortedFindings
        let blocking = findings.filter { $0.severity == .block }.count
        let tests = findings.count + 1
        let failures = blocking + (blocking > 0 ? 1 : 0)
        let seconds = JUnitReport.seconds(r.durationMs)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"moat\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" time=\"\(seconds)\">\n"
        out += "  <testsuite name=\"moat\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\" time=\"\(seconds)\">\n"
        out += "    <properties>\n"
        for (k, v) in [("tool", "\(MoatVersion.name) \(MoatVersion.version)"), ("mode", r.mode.rawValue), ("root", r.root),
                       ("files_scanned", String(r.filesScanned)), ("missing_objects", String(r.missingObjects))] {
            out += "      <property name=\"\(JUnitReport.attribute(k))\" value=\"\(JUnitReport.attribute(v))\"/>\n"
        }
        out += "    </properties>\n"
        out += "    <testcase classname=\"moat\" name=\"moat scan\" time=\"\(seconds)\">\n"
        let summary = TextReport(color: false).summaryLine(r)
        if blocking > 0 {
            let list = findings.filter { $0.severity == .block }.map { "\(FindingText.location($0)): \($0.message)" }
            out += "      <failure message=\"\(JUnitReport.attribute(summary))\" type=\"block\">\(JUnitReport.text(list.joined(separator: "\n")))</failure>\n"
        }
        out += "      <system-out>\(JUnitReport.text(summary))</system-out>\n"
        out += "    </testcase>\n"
        for f in findings { out += testcase(f, mode: r.mode) }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    private func testcase(_ f: Finding, mode: ScanMode) -> String {
        let name = FindingText.location(f) + (f.commit.map { " @ " + String($0.prefix(10)) } ?? "")
        var attrs = "classname=\"\(JUnitReport.attribute("moat." + f.rule))\" name=\"\(JUnitReport.attribute(name))\""
        attrs += " file=\"\(JUnitReport.attribute(f.path.description))\""
        if let line = f.line { attrs += " line=\"\(line)\"" }
        var body = [f.message]
        if let e = f.secret {
            if let v = e.value { body.append("value: " + v) }
            body.append("why: " + e.why)
        }
        if let p = f.provenance, let c = f.commit {
            body.append("added in \(c) by \(p.author) on \(DateFormatting.day(p.time))" + (p.inHead ? ", still at HEAD" : ", deleted since (not at HEAD)"))
        }
        body.append("rule: \(f.rule) (\(f.category.rawValue), \(f.severity.rawValue))")
        var out = "    <testcase \(attrs) time=\"0\">\n"
        if f.severity == .block {
            body.append("")
            body.append(FindingText.advice(f, mode: mode))
            out += "      <failure message=\"\(JUnitReport.attribute(f.message))\" type=\"\(JUnitReport.attribute(f.rule))\">\(JUnitReport.text(body.joined(separator: "\n")))</failure>\n"
        } else {
            out += "      <system-out>\(JUnitReport.text(body.joined(separator: "\n")))</system-out>\n"
        }
        return out + "    </testcase>\n"
    }

    /// Milliseconds as seconds with three decimals ("0.014").
    static func seconds(_ ms: Int) -> String {
        let m = max(0, ms)
        let frac = String(m % 1000)
        return "\(m / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    /// Character data: `&`, `<`, `>` escaped; characters XML 1.0 forbids replaced with U+FFFD.
    static func text(_ s: String) -> String { escape(s, attribute: false) }

    /// An attribute value in double quotes: also `"` and `'`, and tab/CR/LF as character
    /// references so attribute normalisation keeps them.
    static func attribute(_ s: String) -> String { escape(s, attribute: true) }

    private static func escape(_ s: String, attribute: Bool) -> String {
        FindingText.replacingScalars(s) { u in
            switch u {
            case "&": return "&amp;"
            case "<": return "&lt;"
            case ">": return "&gt;"
            case "\r": return "&#13;"
            case "\"", "'", "\t", "\n":
                return attribute ? ["\"": "&quot;", "'": "&apos;", "\t": "&#9;", "\n": "&#10;"][u] : nil
            default:
                let v = u.value
                let allowed = (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF)
                return allowed ? nil : "\u{FFFD}"
            }
        }
    }
}
