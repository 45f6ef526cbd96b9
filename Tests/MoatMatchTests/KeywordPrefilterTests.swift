import XCTest
@testable import MoatMatch

final class KeywordPrefilterTests: XCTestCase {
    func testOverlappingCaseInsensitiveHits() {
        let f = KeywordPrefilter(keywordsByRule: [["token", "KEN"], ["oken"], ["hf_"], ["ToKeN"]])
        XCTAssertEqual(f.keywords.count, 4)   // "token" is shared by rules 0 and 3
        let text = Array("a TOKEN, hf_x and tOkEn".utf8)
        let hits = text.withUnsafeBytes { f.hits(in: $0) }
        let named = hits.map { (String(decoding: f.keywords[$0.keyword], as: UTF8.self), $0.start) }
        XCTAssertEqual(named.map(\.0), ["token", "oken", "ken", "hf_", "token", "oken", "ken"])
        XCTAssertEqual(named.map(\.1), [2, 3, 4, 9, 18, 19, 20])
        let t = f.keywords.firstIndex(of: Array("token".utf8))!
        XCTAssertEqual(f.rules(ofKeyword: t), [0, 3])
        XCTAssertEqual(text.withUnsafeBytes { f.rulesPresent(in: $0, ruleCount: 4) }, [true, true, true, true])
        XCTAssertEqual(Array("nothing here".utf8).withUnsafeBytes { f.rulesPresent(in: $0, ruleCount: 4) }, [false, false, false, false])
    }

    func testAgreesWithNaiveSearchOnRandomBytes() {
        var rng = SplitMix(seed: 7)
        let keywords = ["abc", "bca", "cab", "aaa", "ab", "Zz9", "a\u{0}b"]
        let f = KeywordPrefilter(keywordsByRule: keywords.map { [$0] })
        let alphabet: [UInt8] = Array("abcABCzZ9".utf8) + [0]
        let text = (0..<20_000).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
        var expected: [KeywordPrefilter.Hit] = []
        let lowered = text.map(KeywordPrefilter.lower)
        for end in 1...text.count {
            for (k, kw) in f.keywords.enumerated() where kw.count <= end && Array(lowered[(end - kw.count)..<end]) == kw {
                expected.append(KeywordPrefilter.Hit(keyword: k, start: end - kw.count))
            }
        }
        let hits = text.withUnsafeBytes { f.hits(in: $0) }
        XCTAssertEqual(Set(hits), Set(expected))
        XCTAssertEqual(hits.count, expected.count)
    }

    func testEmpty() {
        let f = KeywordPrefilter(keywordsByRule: [[], [""]])
        XCTAssertTrue(Array("abc".utf8).withUnsafeBytes { f.hits(in: $0) }.isEmpty)
        let g = KeywordPrefilter(keywordsByRule: [["abc"]])
        XCTAssertTrue([UInt8]().withUnsafeBytes { g.hits(in: $0) }.isEmpty)
    }
}
