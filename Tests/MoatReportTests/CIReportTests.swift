import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MoatCore
import XCTest
@testable import MoatReport

/// JUnit, GitHub workflow commands, GitLab secret detection and Markdown.
final class CIReportTests: XCTestCase {
    typealias F = ReportFixtures

    func testEveryFormatIsReachableByName() {
        for name in ["sarif", "junit", "github", "gitlab", "markdown"] {
            let format = ReportFormat(rawValue: name)
            XCTAssertNotNil(format, name)
            XCTAssertFalse(format?.report(color: false).render(F.result([F.secret()])).isEmpty ?? true, name)
        }
    }

    /// No format prints a secret's value unless the finding carries it.
    func testNoFormatLeaksAHiddenValue() {
        for format in ReportFormat.allCases {
            let out = format.report(color: false).render(F.result([F.secret()]))
            XCTAssertFalse(out.contains(F.secretValue), "\(format): \(out)")
            XCTAssertFalse(out.contains("hf_AbCdEf"), "\(format)")
        }
    }

    // MARK: JUnit

    /// Parses JUnit XML with Foundation's parser: testcases with their failures.
    final class JUnitReader: NSObject, XMLParserDelegate {
        var cases: [(name: String, attributes: [String: String], failure: String?)] = []
        var suite: [String: String] = [:]
        private var text = ""
        private var inFailure = false
        func parser(_ parser: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if e == "testsuite" { suite = attributes }
            if e == "testcase" { cases.append((attributes["name"] ?? "", attributes, nil)) }
            if e == "failure" { inFailure = true; text = ""; cases[cases.count - 1].attributes["failure-message"] = attributes["message"] }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { if inFailure { text += string } }
        func parser(_ parser: XMLParser, didEndElement e: String, namespaceURI: String?, qualifiedName: String?) {
            if e == "failure" { inFailure = false; cases[cases.count - 1].failure = text }
        }
    }

    func read(_ xml: String, file: StaticString = #filePath, line: UInt = #line) -> JUnitReader {
        let reader = JUnitReader()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        XCTAssertTrue(parser.parse(), "well-formed: \(parser.parserError.map { "\($0)" } ?? "")\n\(xml)", file: file, line: line)
        return reader
    }

    func testJUnitIsWellFormedForEveryResult() {
        for (name, r) in F.all {
            let reader = read(JUnitReport().render(r))
            XCTAssertEqual(reader.cases.count, r.findings.count + 1, name)
            XCTAssertEqual(reader.cases.first?.name, "moat scan", name)
            let blocking = r.findings.filter { $0.severity == .block }.count
            XCTAssertEqual(reader.cases.first?.failure != nil, blocking > 0, "moat scan fails exactly when something blocks: \(name)")
            XCTAssertEqual(reader.cases.dropFirst().filter { $0.failure != nil }.count, blocking, name)
            XCTAssertEqual(reader.suite["failures"], String(blocking + (blocking > 0 ? 1 : 0)), name)
        }
    }

    func testJUnitKeepsHostileTextIntactAndGivesAdvice() throws {
        let reader = read(JUnitReport().render(F.result([F.hostileFinding(), F.artifact(severity: .warn)])))
        let hostile = try XCTUnwrap(reader.cases.first { $0.attributes["classname"] == "moat.secret.generic" })
        // Control characters XML cannot carry are replaced; everything else round-trips.
        let expected = "msg " + F.hostile.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}")
        XCTAssertEqual(hostile.attributes["failure-message"], expected)
        XCTAssertTrue(hostile.failure?.contains("revoke or rotate") == true, hostile.failure ?? "")
        let warn = try XCTUnwrap(reader.cases.first { $0.attributes["classname"] == "moat.artifact.pytorch-zip" })
        XCTAssertNil(warn.failure, "warnings pass")
        XCTAssertEqual(warn.attributes["file"], "ckpt/optimizer.pt")
        let shown = JUnitReport().render(F.result([F.secret(showValue: true)]))
        XCTAssertTrue(shown.contains("value: " + F.secretValue), "values appear when asked for")
    }

    func testJUnitCanBeParsedByPython() throws {
        try SchemaValidator.requirePython()
        let xml = JUnitReport().render(F.result([F.hostileFinding(), F.nonUTF8(), F.history()], mode: .history))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-junit-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, out) = SchemaValidator.run(["-c", """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            print(len(root.findall('./testsuite/testcase')), len(root.findall('./testsuite/testcase/failure')))
            """, dir.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "4 2")
    }

    // MARK: GitHub workflow commands

    func testGitHubCommandsOnePerFindingWithPositions() {
        let out = GitHubReport().render(F.result([F.secret(), F.history(), F.nonUTF8()], mode: .history))
        let commands = out.split(separator: "\n").filter { $0.hasPrefix("::") }
        XCTAssertEqual(commands.count, 3)
        XCTAssertTrue(commands[0].hasPrefix("::error file=config/settings.py,line=12,col=17,title=moat%3A Hugging Face token (secret.huggingface-token)::"), String(commands[0]))
        XCTAssertTrue(commands[1].hasPrefix("::warning file=old/model.safetensors,title="), String(commands[1]))
        XCTAssertTrue(commands[1].contains("added in 3f2a9c1e5b by Ada"), String(commands[1]))
        XCTAssertTrue(commands[2].hasPrefix("::notice file=\"d 1/f\\377.bin\",title="), String(commands[2]))
        XCTAssertTrue(commands[0].contains("%0AFor secrets:%0A"), "advice follows the message")
        XCTAssertFalse(out.contains("--show-secrets"), "no advice to print values this format never prints")
    }

    func testGitHubEscapingRules() {
        XCTAssertEqual(GitHubReport.escapeData("100% a\r\nb:c,d"), "100%25 a%0D%0Ab:c,d")
        XCTAssertEqual(GitHubReport.escapeProperty("100% a\r\nb:c,d"), "100%25 a%0D%0Ab%3Ac%2Cd")
        let out = GitHubReport().render(F.result([F.hostileFinding()]))
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3, "one command, the summary, the final newline: nothing hostile starts a line\n\(out)")
        let command = String(lines[0])
        XCTAssertFalse(command.contains("\r"))
        // The properties end at the first "::": everything before it is ours.
        let props = command.dropFirst("::error ".count).components(separatedBy: "::")[0]
        XCTAssertEqual(props.split(separator: ",").map { $0.split(separator: "=")[0] }, ["file", "line", "col", "title"], props)
        XCTAssertTrue(command.contains("%25"), "a literal percent is escaped")
    }

    // MARK: GitLab secret detection

    /// The 15.0.7 secret-detection schema's requirements for what moat writes, transcribed by hand
    /// (required fields, enums, patterns, lengths); the full schema is not in this repository.
    static let gitlabSubset = """
    {"type": "object", "required": ["scan", "version", "vulnerabilities"],
     "properties": {
      "version": {"type": "string", "pattern": "^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$"},
      "scan": {"type": "object", "required": ["analyzer", "end_time", "scanner", "start_time", "status", "type"],
        "properties": {
          "analyzer": {"$ref": "#/definitions/tool"}, "scanner": {"$ref": "#/definitions/tool"},
          "start_time": {"type": "string", "pattern": "^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}$"},
          "end_time": {"type": "string", "pattern": "^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}$"},
          "status": {"enum": ["success", "failure"]}, "type": {"enum": ["secret_detection"]},
          "messages": {"type": "array", "items": {"type": "object", "required": ["level", "value"],
            "properties": {"level": {"enum": ["info", "warn", "fatal"]}, "value": {"type": "string", "minLength": 1}}}}}},
      "vulnerabilities": {"type": "array", "items": {"type": "object", "required": ["id", "identifiers", "location"],
        "properties": {
          "id": {"type": "string", "minLength": 1}, "name": {"type": "string", "maxLength": 255},
          "description": {"type": "string", "maxLength": 1048576}, "solution": {"type": "string", "maxLength": 7000},
          "severity": {"enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]},
          "identifiers": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["type", "name", "value"],
            "properties": {"type": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1},
              "value": {"type": "string", "minLength": 1}, "url": {"type": "string", "pattern": "^(https?|ftp)://.+"}}}},
          "location": {"type": "object", "required": ["commit"], "properties": {
            "file": {"type": "string"}, "start_line": {"type": "number"}, "end_line": {"type": "number"},
            "commit": {"type": "object", "required": ["sha"], "properties": {"sha": {"type": "string", "minLength": 1},
              "author": {"type": "string"}, "date": {"type": "string"}}}}}}}}},
     "definitions": {"tool": {"type": "object", "required": ["id", "name", "version", "vendor"], "properties": {
       "id": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1}, "version": {"type": "string", "minLength": 1},
       "url": {"type": "string", "pattern": "^https?://.+"},
       "vendor": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}}}}}
    """

    func testGitLabReportMeetsTheSchemaRequirements() throws {
        try SchemaValidator.requirePython()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-gitlab-\(UUID().uuidString).json")
        try Data(CIReportTests.gitlabSubset.utf8).write(to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, r) in F.all {
            var withWarnings = r
            withWarnings.warnings = ["locked.bin: skipped: Permission denied"]
            let out = GitLabSecretDetectionReport(endTime: 1_772_460_309).render(withWarnings)
            let errors = try SchemaValidator.errors(out, schema: dir, validator: "Draft7Validator")
            XCTAssertEqual(errors, "", "\(name):\n\(errors)\n\(out)")
        }
        let bad = GitLabSecretDetectionReport(endTime: 0).render(F.result([F.secret()])).replacingOccurrences(of: "\"Critical\"", with: "\"Severe\"")
        XCTAssertNotEqual(try SchemaValidator.errors(bad, schema: dir, validator: "Draft7Validator"), "", "the check can fail")
    }

    func testGitLabVulnerabilities() throws {
        let r = F.result([F.secret(), F.history(), F.artifact(), F.nonUTF8()], mode: .history)
        let report = try F.json(GitLabSecretDetectionReport(endTime: 1_772_460_309).render(r))
        XCTAssertEqual(report["version"] as? String, GitLabSecretDetectionReport.schemaVersion)
        let scan = try XCTUnwrap(report["scan"] as? [String: Any])
        XCTAssertEqual(scan["type"] as? String, "secret_detection")
        XCTAssertEqual(scan["end_time"] as? String, "2026-03-02T14:05:09")
        XCTAssertEqual(scan["start_time"] as? String, "2026-03-02T14:05:07", "2345 ms earlier, in whole seconds")
        let vulns = try XCTUnwrap(report["vulnerabilities"] as? [[String: Any]])
        XCTAssertEqual(vulns.count, 4)
        // Sorted as every report sorts: block first, then by path.
        XCTAssertEqual(vulns.map { ($0["identifiers"] as? [[String: Any]])?.first?["value"] as? String },
                       ["artifact.pytorch-zip", "secret.huggingface-token", "artifact.safetensors", "artifact.pytorch-zip"])
        XCTAssertEqual(vulns.map { $0["severity"] as? String }, ["High", "Critical", "Medium", "Info"])
        XCTAssertTrue(vulns.allSatisfy { $0["category"] as? String == "secret_detection" })
        let ids = vulns.compactMap { $0["id"] as? String }
        XCTAssertEqual(Set(ids).count, 4, "ids are unique")
        XCTAssertTrue(ids.allSatisfy { $0.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression) != nil }, "\(ids)")
        let secretLoc = try XCTUnwrap(vulns[1]["location"] as? [String: Any])
        XCTAssertEqual(secretLoc["file"] as? String, "config/settings.py")
        XCTAssertEqual(secretLoc["start_line"] as? Int, 12)
        XCTAssertEqual((secretLoc["commit"] as? [String: Any])?["sha"] as? String, "0000000")
        let historyLoc = try XCTUnwrap(vulns[2]["location"] as? [String: Any])
        XCTAssertEqual((historyLoc["commit"] as? [String: Any])?["sha"] as? String, F.commit)
        XCTAssertNil(historyLoc["start_line"], "no line for a binary")
        let identifier = try XCTUnwrap((vulns[1]["identifiers"] as? [[String: Any]])?.first)
        XCTAssertEqual(identifier["value"] as? String, "secret.huggingface-token")
        XCTAssertTrue((vulns[0]["solution"] as? String)?.contains("git filter-repo") == true)
        XCTAssertTrue((vulns[1]["solution"] as? String)?.contains("revoke or rotate") == true)
        let id = GitLabSecretDetectionReport.uuid(F.secret())
        XCTAssertEqual(id, GitLabSecretDetectionReport.uuid(F.secret()), "stable")
        XCTAssertNotEqual(id, GitLabSecretDetectionReport.uuid(F.secret(line: 13)), "the same value on another line is another vulnerability")
        let shown = GitLabSecretDetectionReport(endTime: 0).render(F.result([F.secret(showValue: true)]))
        XCTAssertTrue(shown.contains("\"raw_source_code_extract\": \"\(F.secretValue)\""), shown)
    }

    // MARK: Markdown

    func testMarkdownSummary() {
        let md = MarkdownReport().render(F.result([F.artifact(), F.secret(), F.artifact(severity: .warn)]))
        XCTAssertTrue(md.hasPrefix("## moat: 2 blocking, 1 warning"), md)
        XCTAssertTrue(md.contains("| Severity | Location | What | Rule |"), md)
        XCTAssertTrue(md.contains("config/settings\\.py:12:17"), md)
        XCTAssertTrue(md.contains("### How to fix"), md)
        XCTAssertTrue(md.contains("git restore --staged"), md)
        XCTAssertTrue(md.contains("revoke or rotate"), md)
        XCTAssertFalse(md.contains("--show-secrets"), "values are never shown here")
        let clean = MarkdownReport().render(F.result([]))
        XCTAssertTrue(clean.hasPrefix("## moat: nothing found"), clean)
        XCTAssertFalse(clean.contains("| Severity"), clean)
        XCTAssertFalse(MarkdownReport().render(F.result([F.artifact(severity: .warn)])).contains("How to fix"), "advice only for what blocks")
    }

    func testMarkdownEscapesEveryCellAndKeepsTheTableShape() throws {
        let md = MarkdownReport().render(F.result([F.hostileFinding(), F.artifact(path: Array(("x/" + F.hostile).utf8), label: F.hostile)]))
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Severity") && !$0.hasPrefix("| ---") }
        XCTAssertEqual(rows.count, 2, md)
        for row in rows {
            // Unescaped pipes delimit exactly four cells.
            var delimiters = 0, escaped = false
            for c in row {
                if c == "|" && !escaped { delimiters += 1 }
                escaped = c == "\\" && !escaped
            }
            XCTAssertEqual(delimiters, 5, String(row))
            XCTAssertFalse(row.contains("<script>"), "no raw HTML")
            XCTAssertFalse(row.contains("@octocat"), "no mention")
            XCTAssertFalse(row.contains("[l](http"), "no link")
            let unescapedBacktick = zip(row.dropFirst(), row).contains { c, before in c == "`" && before != "\\" }
            XCTAssertFalse(unescapedBacktick, "backticks are escaped: \(row)")
        }
        XCTAssertEqual(MarkdownReport.escape("a|b`c<d>"), "a\\|b\\`c\\<d\\>")
        XCTAssertEqual(MarkdownReport.fence("x ``` y"), "````text\nx ``` y\n````")
    }

    func testMarkdownTruncatesHugeResults() {
        let many = (0..<250).map { F.artifact(path: Array("m/\($0).pt".utf8)) }
        let md = MarkdownReport().render(F.result(many))
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| 🔴") }
        XCTAssertEqual(rows.count, 100)
        XCTAssertTrue(md.contains("... and 150 more findings"), md)
        XCTAssertTrue(md.hasPrefix("## moat: 250 blocking"), "the headline counts all")
        XCTAssertEqual(MarkdownReport(limit: 2).render(F.result(many)).split(separator: "\n").filter { $0.hasPrefix("| 🔴") }.count, 2)
    }
}
