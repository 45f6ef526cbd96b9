import Foundation
import XCTest
@testable import MoatMatch

final class PCRE2PatternTests: XCTestCase {
    func match(_ pattern: String, _ text: String, from: Int = 0) throws -> (String, String)? {
        let p = try PCRE2Pattern(pattern)
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { raw in
            guard let m = try p.firstMatch(in: raw, from: from) else { return nil }
            return (String(decoding: bytes[m.whole], as: UTF8.self), String(decoding: bytes[m.secret], as: UTF8.self))
        }
    }

    func testNamedSecretGroup() throws {
        let p = try PCRE2Pattern(#"token=(?<secret>[a-z]+)"#)
        XCTAssertEqual(p.secretGroup, 1)
        XCTAssertTrue(p.isJIT)
        let m = try match(#"(x)?token=(?<secret>[a-z]+)"#, "a token=abc;")
        XCTAssertEqual(m?.0, "token=abc")
        XCTAssertEqual(m?.1, "abc")
        // Without a secret group, the secret is the whole match.
        XCTAssertEqual(try match("tok[a-z]+", "xx token")?.1, "token")
        XCTAssertNil(try PCRE2Pattern("abc").secretGroup)
    }

    func testASCIIClassesAndNoUTF() throws {
        // \w is ASCII only: the é bytes (C3 A9) are not word characters.
        XCTAssertEqual(try match(#"\w+"#, "caf\u{e9}")?.0, "caf")
        // Invalid UTF-8 in the subject is fine (no UTF mode).
        let p = try PCRE2Pattern("AKIA[A-Z0-9]{4}")
        let bytes: [UInt8] = [0xff, 0xfe, 0x00] + Array("AKIAABCD".utf8) + [0xc3]
        let m = try bytes.withUnsafeBytes { try p.firstMatch(in: $0) }
        XCTAssertEqual(m?.whole, 3..<11)
        XCTAssertThrowsError(try PCRE2Pattern("(*UTF)abc"))
    }

    func testCompileErrorHasOffsetAndMessage() {
        XCTAssertThrowsError(try PCRE2Pattern("abc(def")) { error in
            let e = error as! PatternCompileError
            XCTAssertEqual(e.offset, 7)
            XCTAssertTrue(e.message.contains("missing closing parenthesis"), e.message)
        }
        XCTAssertThrowsError(try PCRE2Pattern("a{2,1}")) { error in
            XCTAssertEqual((error as! PatternCompileError).offset, 5)
        }
        let spec = PatternSpec(id: "bad", pattern: "x[", keywords: ["xyz"])
        XCTAssertThrowsError(try spec.validate())
        XCTAssertThrowsError(try PatternSpec(id: "nogroup", pattern: "xyz", keywords: ["xyz"]).validate())
        XCTAssertThrowsError(try PatternSpec(id: "short", pattern: "(?<secret>xy)", keywords: ["xy"]).validate())
        XCTAssertNoThrow(try PatternSpec(id: "short-slow", pattern: "(?<secret>xy)", keywords: ["xy"], slow: true).validate())
    }

    func testStartLimitLookbehindAndEnd() throws {
        let p = try PCRE2Pattern(#"(?<![A-Z0-9])AKIA[A-Z0-9]{4}(?![A-Z0-9])"#)
        let bytes = Array("..AKIAWXYZ.. XAKIAWXYZ AKIAABCD".utf8)
        let s = PCRE2Scratch()
        try bytes.withUnsafeBytes { raw in
            XCTAssertEqual(try p.firstMatch(in: raw, from: 0, scratch: s)?.whole, 2..<10)
            // The lookbehind sees the byte before the start offset: no match starts at 14.
            XCTAssertEqual(try p.firstMatch(in: raw, from: 14, scratch: s)?.whole, 23..<31)
            // Start limit: a match must start at or before it.
            XCTAssertNil(try p.firstMatch(in: raw, from: 3, startLimit: 22, scratch: s))
            XCTAssertEqual(try p.firstMatch(in: raw, from: 3, startLimit: 23, scratch: s)?.whole, 23..<31)
            // A cut end hides what comes after.
            XCTAssertNil(try p.firstMatch(in: raw, from: 20, end: 30, scratch: s))
        }
    }

    func testCatastrophicBacktrackingIsBoundedByTheMatchLimit() throws {
        let p = try PCRE2Pattern(#"^(\w+\s?)+$"#)
        let text = Array((String(repeating: "aaaa ", count: 6) + String(repeating: "a", count: 30) + "!").utf8)
        let scratch = PCRE2Scratch(matchLimit: 100_000)
        let t0 = Date()
        XCTAssertThrowsError(try text.withUnsafeBytes { try p.firstMatch(in: $0, from: 0, scratch: scratch) }) { error in
            guard case PCRE2Pattern.MatchError.limitExceeded = error else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1.0)
        // The default limit (1,000,000) also returns quickly.
        let t1 = Date()
        XCTAssertThrowsError(try text.withUnsafeBytes { try p.firstMatch(in: $0, from: 0, scratch: PCRE2Scratch()) })
        XCTAssertLessThan(Date().timeIntervalSince(t1), 2.0)
    }

    func testAllMatchesAndEmptyInput() throws {
        let p = try PCRE2Pattern("ab")
        let s = PCRE2Scratch()
        XCTAssertEqual(try Array("abxabab".utf8).withUnsafeBytes { try p.allMatches(in: $0, scratch: s) }.map(\.whole), [0..<2, 3..<5, 5..<7])
        XCTAssertEqual(try [UInt8]().withUnsafeBytes { try p.allMatches(in: $0, scratch: s) }, [])
        let empty = try PCRE2Pattern("x*")
        XCTAssertEqual(try Array("ab".utf8).withUnsafeBytes { try empty.allMatches(in: $0, scratch: s) }.count, 3)
    }

    func testMatchDataGrowsForManyGroups() throws {
        let pattern = String(repeating: "(a)", count: 40) + "(?<secret>b)"
        let p = try PCRE2Pattern(pattern)
        XCTAssertEqual(p.secretGroup, 41)
        let text = Array((String(repeating: "a", count: 40) + "b").utf8)
        let m = try text.withUnsafeBytes { try p.firstMatch(in: $0, from: 0, scratch: PCRE2Scratch()) }
        XCTAssertEqual(m?.secret, 40..<41)
    }
}
