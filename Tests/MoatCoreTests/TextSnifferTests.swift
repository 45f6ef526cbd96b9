@testable import MoatCore
import XCTest

final class TextSnifferTests: XCTestCase {
    private func text(_ count: Int, odd positions: [Int], byte: UInt8 = 0x01) -> ArraySlice<UInt8> {
        var bytes = (0..<count).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        for (i, p) in positions.enumerated() { bytes[p] = i % 2 == 0 ? byte : 0x7F &- 0x70 }  // 0x01 / 0x0F
        return bytes[...]
    }

    func testAtMostOnePercentOddControlBytesIsText() {
        // 200 bytes: 2 odd bytes (1%) are allowed, 3 are not, wherever they sit in the 8-byte words.
        XCTAssertTrue(TextSniffer.looksLikeText(text(200, odd: [0, 199])))
        XCTAssertFalse(TextSniffer.looksLikeText(text(200, odd: [0, 63, 199])))
        XCTAssertFalse(TextSniffer.looksLikeText(text(200, odd: [7, 8, 196])))
        XCTAssertFalse(TextSniffer.looksLikeText(text(13, odd: [12])), "in the tail after the last full word")
        XCTAssertTrue(TextSniffer.looksLikeText(text(100, odd: [50])))
    }

    func testWhitespaceEscapeAndHighBytesAreText() {
        let lines = Array("key = value\n\tindented\r\n\u{0C}\u{1B}[1mbold\u{1B}[0m caf\u{E9} \u{4E2D}\u{6587}\n".utf8)
        XCTAssertTrue(TextSniffer.looksLikeText(ArraySlice(Array(repeating: lines, count: 50).joined())))
        XCTAssertTrue(TextSniffer.looksLikeText(ArraySlice((0..<800).map { UInt8(0x80 + $0 % 0x80) })), "bytes over 0x7F are not control bytes")
    }

    func testNULMeansBinaryAndBOMMeansUTF16() {
        XCTAssertFalse(TextSniffer.looksLikeText(text(4000, odd: []) + [0] + text(10, odd: [])))
        XCTAssertTrue(TextSniffer.looksLikeText([0xFF, 0xFE, 0x61, 0x00, 0x62, 0x00]))
        XCTAssertTrue(TextSniffer.looksLikeText([]))
    }
}
