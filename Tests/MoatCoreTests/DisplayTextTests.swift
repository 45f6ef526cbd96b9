import MoatBytes
@testable import MoatCore
import XCTest

/// Terminal safety of content-derived text (issue 9).
final class DisplayTextTests: XCTestCase {
    func testControlCharactersAreEscaped() {
        XCTAssertEqual(DisplayText.escape("plain text, é, 日本"), "plain text, é, 日本")
        XCTAssertEqual(DisplayText.escape("a\u{1B}[2Jb"), "a\\x1b[2Jb")
        XCTAssertEqual(DisplayText.escape("\u{0}\u{7}\n\t\u{7F}"), "\\x00\\x07\\x0a\\x09\\x7f")
        XCTAssertEqual(DisplayText.escape("\u{80}\u{9B}\u{9F}\u{A0}"), "\\u{0080}\\u{009b}\\u{009f}\u{A0}")
        XCTAssertEqual(DisplayText.escape("abc\u{202E}cba"), "abc\\u{202e}cba", "bidirectional overrides")
        let once = DisplayText.escape("x\u{1B}y\u{9B}")
        XCTAssertEqual(DisplayText.escape(once), once, "idempotent")
    }

    func testInvalidUTF8IsEscapedByteByByte() {
        XCTAssertEqual(DisplayText.decode(Array("ok".utf8)), "ok")
        XCTAssertEqual(DisplayText.decode([0x61, 0xFF, 0x62]), "a\\xffb")
        XCTAssertEqual(DisplayText.decode([0x61, 0xC3, 0xA9, 0xC3]), "aé\\xc3")
        XCTAssertEqual(DisplayText.decode([0xC2, 0x9B, 0x33, 0x31, 0x6D]), "\\u{009b}31m")
        XCTAssertEqual(DisplayText.decode([0xED, 0xA0, 0x80]), "\\xed\\xa0\\x80", "surrogates are not UTF-8")
    }

    func testFindingsEscapeEverythingContentCanReach() {
        var s = ArtifactSummary()
        s.addDtype("F\u{1B}")
        s.architecture = "a\u{9B}"
        s.optimizer = "o\u{7}"
        s.addNote("n\u{1B}")
        s.addDetail("k\u{1B}", "v\u{1B}")
        let f = Finding(kind: .artifact, category: .modelWeights, rule: "artifact.x", format: "x", severity: .block, path: PathBytes("p"),
                        size: 1, secret: SecretEvidence(preview: "p\u{1B}", value: "v\u{1B}", entropy: 1, why: "w\u{1B}"), summary: s,
                        label: "l\u{1B}", message: "m\u{1B}", pathHints: ["h\u{1B}"], fingerprint: "f")
        let all = [f.label, f.message, f.summary.architecture!, f.summary.optimizer!] + f.summary.dtypes + f.summary.notes
            + f.summary.details.flatMap { [$0.0, $0.1] } + f.pathHints + [f.secret!.preview, f.secret!.value!, f.secret!.why]
        XCTAssertEqual(all.count, 12)
        for t in all { XCTAssertFalse(t.unicodeScalars.contains(where: DisplayText.isUnsafe), t) }
        XCTAssertEqual(f.summary.architecture, "a\\u{009b}")
    }

    func testSummaryListsAndTextsAreCapped() {
        var s = ArtifactSummary()
        for i in 0..<1_000 { s.addDtype("t\(i)"); s.addNote("n\(i)"); s.addDetail("k\(i)", "v") }
        XCTAssertEqual(s.dtypes.count, ArtifactSummary.maxDtypes)
        XCTAssertEqual(s.notes.count, ArtifactSummary.maxNotes)
        XCTAssertEqual(s.details.count, ArtifactSummary.maxDetails)
        s.addDetail("long", String(repeating: "x", count: 100_000))
        var t = ArtifactSummary()
        t.addDetail("long", String(repeating: "e\u{301}", count: 10_000))
        XCTAssertLessThanOrEqual(t.details[0].1.unicodeScalars.count, ArtifactSummary.maxTextLength + 1)
        t.addDtype(String(repeating: "F", count: 500))
        XCTAssertEqual(t.dtypes[0].unicodeScalars.count, ArtifactSummary.maxDtypeLength + 1)
    }
}
