import Foundation
import MoatBytes
import MoatCore
import XCTest
@testable import MoatReport

final class ReportTests: XCTestCase {
    func finding(path: [UInt8] = Array("ckpt/optimizer.pt".utf8), severity: Severity = .block) -> Finding {
        var s = ArtifactSummary()
        s.tensors = 24
        s.parameters = 9180
        s.addDtype("float32")
        s.optimizer = "AdamW"
        s.addDetail("producer", "quote\" and \\ and \n newline")
        return Finding(kind: .artifact, category: .optimizerState, rule: "artifact.pytorch-zip", format: "pytorch-zip", severity: severity,
                       path: PathBytes(path), size: 45_000, blob: String(repeating: "a", count: 40), summary: s,
                       label: "PyTorch optimizer state", message: "PyTorch optimizer state: 9.2K parameters", fingerprint: "f00d")
    }

    func result(_ findings: [Finding], mode: ScanMode = .staged) -> ScanResult {
        var r = ScanResult(mode: mode, root: "/repo")
        r.filesScanned = 3
        r.bytesRead = 1234
        r.findings = findings
        r.skipped[.lfsPointers] = 2
        return r
    }

    func testJSONIsValidAndCarriesTheContract() throws {
        let text = JSONReport().render(result([finding(), finding(path: [0x66, 0xFF, 0x2E, 0x62], severity: .warn)]))
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(obj["version"] as? Int, 1)
        XCTAssertEqual((obj["tool"] as? [String: Any])?["name"] as? String, "moat")
        let scan = try XCTUnwrap(obj["scan"] as? [String: Any])
        for key in ["mode", "root", "files_scanned", "bytes_read", "duration_ms", "missing_objects", "skipped", "warnings"] {
            XCTAssertNotNil(scan[key], "scan.\(key)")
        }
        XCTAssertEqual(scan["mode"] as? String, "staged")
        XCTAssertEqual(scan["skipped"] as? [String: Int], ["lfs-pointers": 2])
        let findings = try XCTUnwrap(obj["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.map { $0["severity"] as? String }, ["block", "warn"])
        XCTAssertEqual(findings[1]["path"] as? String, "\"f\\377.b\"", "non-UTF-8 paths are git-quoted")
        let details = (findings[0]["summary"] as? [String: Any])?["details"] as? [String: Any]
        // Content-derived text is escaped when the finding is built (a newline could forge report lines).
        XCTAssertEqual(details?["producer"] as? String, "quote\" and \\ and \\x0a newline")
        XCTAssertTrue(findings[0]["commit"] is NSNull)
    }

    func testJSONEscapesControlCharactersSetAfterTheFindingWasBuilt() throws {
        var f = finding()
        f.summary.details = [("producer", "quote\" and \\ and \n newline \u{1B}[2J")]
        let text = JSONReport().render(result([f]))
        XCTAssertFalse(text.contains("\u{1B}"), "no raw ESC in JSON")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let findings = try XCTUnwrap(obj["findings"] as? [[String: Any]])
        let details = (findings[0]["summary"] as? [String: Any])?["details"] as? [String: Any]
        XCTAssertEqual(details?["producer"] as? String, "quote\" and \\ and \n newline \u{1B}[2J")
    }

    func testTextReportEscapesControlCharactersFromContentAndHistory() {
        var f = finding()
        f.message = "GGUF model: \u{1B}[2K\u{1B}[1Aevil, \u{9B}31m"
        f.provenance = Provenance(author: "Mallory\u{1B}]0;title\u{07}", time: 0, paths: 1, commits: 1, inHead: true)
        let text = TextReport(color: false).render(result([f]))
        XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B || $0.value == 0x07 }, text)
        XCTAssertTrue(text.contains("\\x1b[2K"), text)
        XCTAssertTrue(text.contains("\\u{009b}31m"), text)
    }

    func testTextShowsFixesOnlyForBlockingStagedFindings() {
        let text = TextReport(color: false).render(result([finding()]))
        XCTAssertTrue(text.contains("BLOCK ckpt/optimizer.pt"), text)
        XCTAssertTrue(text.contains("git restore --staged ckpt/optimizer.pt"), text)
        XCTAssertTrue(text.contains("1 blocking"), text)
        XCTAssertFalse(text.contains("\u{1B}["), "no colour when not asked")
        let warnOnly = TextReport(color: false).render(result([finding(severity: .warn)]))
        XCTAssertFalse(warnOnly.contains("To fix"), warnOnly)
        let clean = TextReport(color: false).render(result([]))
        XCTAssertTrue(clean.contains("nothing found"), clean)
        XCTAssertTrue(TextReport(color: true).render(result([finding()])).contains("\u{1B}[1;31mBLOCK"))
    }

    func testShellQuotingOfOddPaths() {
        let r = TextReport(color: false)
        XCTAssertEqual(r.shellQuote("models/a.bin"), "models/a.bin")
        XCTAssertEqual(r.shellQuote("my model's.bin"), "'my model'\\''s.bin'")
    }

    func testHistoryLineSaysWhereTheBlobLives() {
        var f = finding()
        f.commit = "3f2a9c1e5b0000000000000000000000000000aa"
        f.provenance = Provenance(author: "Ada", time: 1_772_460_309, paths: 3, commits: 2, inHead: false)
        let text = TextReport(color: false).render(result([f], mode: .history))
        XCTAssertTrue(text.contains("added in 3f2a9c1e5b by Ada on 2026-03-02"), text)
        XCTAssertTrue(text.contains("also at 2 other paths"), text)
        XCTAssertTrue(text.contains("not at HEAD"), text)
        let json = JSONReport().render(result([f], mode: .history))
        XCTAssertTrue(json.contains("\"date\": \"2026-03-02T14:05:09Z\""), json)
        XCTAssertTrue(json.contains("\"in_head\": false"), json)
    }
}
