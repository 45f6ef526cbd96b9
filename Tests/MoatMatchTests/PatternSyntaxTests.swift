import XCTest
@testable import MoatMatch

final class PatternSyntaxTests: XCTestCase {
    func testRelaxation() {
        let r = PatternSyntax.relax
        XCTAssertEqual(r(#"(?<![A-Za-z0-9])(?<secret>AKIA[0-9A-Z]{16})(?![A-Z0-9])"#), #"(?:AKIA[0-9A-Z]{16})"#)
        XCTAssertEqual(r(#"(?P<s>a)(?'t'b)(c)"#), #"(?:a)(?:b)(?:c)"#)
        XCTAssertEqual(r(#"(?>glpat-)[a-z]++x*+y?+z{2,3}+w+?"#), #"(?:glpat-)[a-z]+x*y?z{2,3}w+?"#)
        XCTAssertEqual(r(#"(?i)key(?-i:X)(?#comment)\Kv"#), #"(?i)key(?-i:X)v"#)
        // Parentheses inside classes, quotes and escapes are not groups.
        XCTAssertEqual(r(#"[(?=)]\((?=x)\Q(?=\E"#), #"[(?=)]\(\x28\x3f\x3d"#)
        XCTAssertEqual(r(#"[]a(]b(?!c[)]d)e"#), #"[]a(]be"#)
        XCTAssertEqual(r(#"\x{41}{2}a{,3}"#), #"\x{41}{2}a\{,3}"#)
        // Constructs that cannot be relaxed.
        XCTAssertNil(r(#"(['"])x\1"#))
        XCTAssertNil(r(#"(?<q>a)\k<q>"#))
        XCTAssertNil(r(#"(*UTF)a"#))
        XCTAssertNil(r(#"(?x) a b"#))
        XCTAssertNil(r(#"(?(1)a|b)"#))
        XCTAssertNil(r(#"a(?=b)*"#))
        XCTAssertEqual(PatternSyntax.literal("hf_"), #"\x68\x66\x5f"#)
        // Large repeats become unbounded (vectorscan compiles {100,8000} in seconds, {100,} in ms).
        XCTAssertEqual(r(#"a{100,8000}?b{2,255}c{300}d{5,}"#), #"a{100,}?b{2,255}c{300,}d{5,}"#)
    }

    func testMaxWidth() {
        let w = PatternSyntax.maxWidth
        XCTAssertEqual(w(#"(?<![A-Za-z0-9])(?<secret>AKIA[0-9A-Z]{16})(?![A-Z0-9])"#), 20)
        XCTAssertEqual(w(#"(?i)(?:ab|cde)f?\b\x41\x{42}[a-z]{2,3}$"#), 9)
        XCTAssertEqual(w(#"sk-(?:proj-|admin-)?[\w-]{20,80}"#), 89)
        XCTAssertEqual(w(#"a\Qb.c\E(?#x)(?i:d)"#), 5)
        XCTAssertEqual(w(#"[]a]{3}[[:alpha:]]"#), 4)
        XCTAssertEqual(w(#"(a{2}){3}"#), 6)
        XCTAssertNil(w(#"a+"#))
        XCTAssertNil(w(#"a{2,}"#))
        XCTAssertNil(w(#"(a)\1"#))
        XCTAssertNil(w(#"a(?R)?"#))
        XCTAssertNil(w(#"x(?:\((?R)\))?"#))
        XCTAssertNil(w(#"(a)?(?(1)b|c)"#))
        XCTAssertNil(w(#"(?x) a"#))
        XCTAssertNil(w(#"(unclosed"#))
        XCTAssertEqual(w(#"x{,3}"#), 5)   // not a quantifier in PCRE2 10.42: literal "{,3}"
    }
}
