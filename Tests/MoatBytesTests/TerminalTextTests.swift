import MoatBytes
import XCTest

final class TerminalTextTests: XCTestCase {
    func testUnsafeScalarsAreEscapedAndSafeTextIsKept() {
        XCTAssertEqual(TerminalText.escape("plain é ✓"), "plain é ✓")
        XCTAssertEqual(TerminalText.escape("a\nb\u{1B}[2J\u{7F}\u{9B}\u{202E}"), "a\\x0ab\\x1b[2J\\x7f\\u{009b}\\u{202e}")
        XCTAssertEqual(TerminalText.escape(TerminalText.escape("\u{0}")), "\\x00")
    }

    /// The cut counts what is shown: escapes included, so a flood of ESC is as short as a flood of text.
    func testExcerptsAreCutAfterEscaping() {
        XCTAssertEqual(TerminalText.excerpt("short"), "short")
        XCTAssertEqual(TerminalText.excerpt(String(repeating: "k", count: 10_000), limit: 10), "kkkkkkkkkk…")
        let flood = TerminalText.excerpt(String(repeating: "\u{1B}", count: 1_000), limit: 10)
        XCTAssertEqual(flood, "\\x1b\\x1b…")
        XCTAssertEqual(TerminalText.excerpt(bytes: Array("ab\u{0}".utf8) + [0xFF], limit: 20), "ab\\x00\u{FFFD}")
    }
}
