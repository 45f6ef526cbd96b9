import Foundation
@testable import MoatRuleSchema
import XCTest
import Yams

final class RuleSchemaTests: XCTestCase {
    /// A secret rule that passes every check; tests replace or add one field at a time.
    static let secretRule = """
    secret_rules:
      - id: test.token
        name: Test token
        keywords: [tok_]
        pattern: 'tok_(?<secret>[a-z0-9]{16})'
        examples:
          match:
            - tok_abcdefgh12345678
            - text: 'key = tok_abcdefgh12345678'
              secret: tok_abcdefgh12345678
          no_match:
            - tok_short
            - tok_ABCDEFGH12345678
    """

    /// Parses `yaml` and returns the error it must raise.
    func rejection(_ yaml: String, minExamples: Int = 0, file: StaticString = #filePath, line: UInt = #line) -> RuleSchemaError? {
        do {
            let spec = try RuleSchema.parse(yaml: yaml, file: "rules.yaml", minExamples: minExamples)
            XCTFail("accepted: \(spec)", file: file, line: line)
        } catch let e as RuleSchemaError {
            return e
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    /// Asserts that `yaml` is rejected on `atLine` (unchecked when `checkLine` is false), naming `rule`,
    /// for a reason containing `reason`.
    func assertRejected(_ yaml: String, atLine: Int?, checkLine: Bool = true, rule: String?, _ reason: String, minExamples: Int = 0,
                        file: StaticString = #filePath, line: UInt = #line) {
        guard let e = rejection(yaml, minExamples: minExamples, file: file, line: line) else { return }
        XCTAssertEqual(e.file, "rules.yaml", file: file, line: line)
        if checkLine { XCTAssertEqual(e.line, atLine, "\(e)", file: file, line: line) }
        XCTAssertEqual(e.ruleID, rule, "\(e)", file: file, line: line)
        XCTAssertTrue(e.reason.contains(reason), "\(e.reason) does not say \(reason)", file: file, line: line)
    }

    /// The secret rule with the line `old` replaced by `new` (which may be several lines, or none).
    func secret(replacing old: String, with new: String) -> String {
        let lines = RuleSchemaTests.secretRule.components(separatedBy: "\n")
        XCTAssertEqual(lines.filter { $0 == old }.count, 1, old)
        return lines.flatMap { $0 == old ? (new.isEmpty ? [] : new.components(separatedBy: "\n")) : [$0] }.joined(separator: "\n")
    }

    /// Found by the rule-file fuzzer: ids, fields and values were quoted raw (a tab in an id, a
    /// line break in a key, a 64 KiB `validate`) into the one-line error.
    func testErrorsQuoteContentEscapedAndShort() {
        let cases = [
            secret(replacing: "  - id: test.token", with: "  - id: \"test\\ttoken\""),
            secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    \"na\\nme\": x"),
            secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    validate: " + String(repeating: "a", count: 65_536)),
            "\"\\e[2J\": []\n",
        ]
        for yaml in cases {
            guard let e = rejection(yaml) else { continue }
            XCTAssertFalse(e.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, e.description.debugDescription)
            XCTAssertLessThan(e.description.count, 250, e.description)
        }
    }

    // MARK: valid files

    func testValidFileParses() throws {
        let yaml = RuleSchemaTests.secretRule + """

        config_rules:
          - id: test.netrc
            name: netrc credentials
            globs: ["**/.netrc", ".netrc"]
            exclude_globs: ["**/fixtures/**"]
            content: 'password\\s+(?<secret>\\S+)'
            min_entropy: 2.5
            stopwords: [example]
            examples:
              match:
                - { path: .netrc, text: "machine h login u password hunter2hunter2" }
              no_match:
                - { path: notes.txt, text: "password hunter2hunter2" }
        path_rules:
          - id: path.test
            description: a test path
            globs: ["**/*.test"]
            suggests: model-weights
        """
        let spec = try RuleSchema.parse(yaml: yaml, file: "rules.yaml", minExamples: 1)
        XCTAssertEqual(spec.file, "rules.yaml")
        let s = try XCTUnwrap(spec.secretRules.first)
        XCTAssertEqual(spec.secretRules.count, 1)
        XCTAssertEqual(s.id, "test.token")
        XCTAssertEqual(s.line, 2)
        XCTAssertEqual(s.name, "Test token")
        XCTAssertEqual(s.category, "secret", "the default")
        XCTAssertEqual(s.keywords, ["tok_"])
        XCTAssertEqual(s.pattern, "tok_(?<secret>[a-z0-9]{16})")
        XCTAssertEqual(s.validate, "none", "the default")
        XCTAssertFalse(s.multiline)
        XCTAssertFalse(s.slow)
        XCTAssertNil(s.minEntropy)
        XCTAssertEqual(s.match, [ExampleSpec(text: "tok_abcdefgh12345678", secret: nil, path: nil),
                                 ExampleSpec(text: "key = tok_abcdefgh12345678", secret: "tok_abcdefgh12345678", path: nil)])
        XCTAssertEqual(s.noMatch.map(\.text), ["tok_short", "tok_ABCDEFGH12345678"])

        let c = try XCTUnwrap(spec.configRules.first)
        XCTAssertEqual(c.id, "test.netrc")
        XCTAssertEqual(c.line, 15)
        XCTAssertEqual(c.category, "sensitive-config", "the default")
        XCTAssertEqual(c.globs, ["**/.netrc", ".netrc"])
        XCTAssertEqual(c.excludeGlobs, ["**/fixtures/**"])
        XCTAssertEqual(c.content, "password\\s+(?<secret>\\S+)")
        XCTAssertEqual(c.minEntropy, 2.5)
        XCTAssertEqual(c.stopwords, ["example"])
        XCTAssertEqual(c.match, [ExampleSpec(text: "machine h login u password hunter2hunter2", secret: nil, path: ".netrc")])

        let p = try XCTUnwrap(spec.pathRules.first)
        XCTAssertEqual(p, PathRuleSpec(id: "path.test", description: "a test path", globs: ["**/*.test"], suggests: "model-weights", line: 28))
    }

    func testOptionalFieldsAndKeywordCase() throws {
        let yaml = secret(replacing: "    keywords: [tok_]", with: """
            keywords: [TOK_, Bearer]
            category: sensitive-config
            validate: jwt
            multiline: yes
            min_entropy: 0
            stopwords: [dummy, sample]
        """)
        let s = try XCTUnwrap(RuleSchema.parse(yaml: yaml, file: "rules.yaml").secretRules.first)
        XCTAssertEqual(s.keywords, ["tok_", "bearer"], "keywords are lower-cased")
        XCTAssertEqual(s.category, "sensitive-config")
        XCTAssertEqual(s.validate, "jwt")
        XCTAssertTrue(s.multiline)
        XCTAssertEqual(s.minEntropy, 0)
        XCTAssertEqual(s.stopwords, ["dummy", "sample"])
    }

    func testSlowRulesMayHaveShortOrNoKeywords() throws {
        let short = secret(replacing: "    keywords: [tok_]", with: "    keywords: [tk]\n    slow: true")
        XCTAssertEqual(try RuleSchema.parse(yaml: short, file: "r").secretRules.first?.keywords, ["tk"])
        let none = secret(replacing: "    keywords: [tok_]", with: "    keywords: []\n    slow: true")
        XCTAssertEqual(try RuleSchema.parse(yaml: none, file: "r").secretRules.first?.keywords, [])
    }

    func testEmptyFilesAndEmptyLists() throws {
        XCTAssertEqual(try RuleSchema.parse(yaml: "", file: "r"), RuleFileSpec(file: "r"))
        XCTAssertEqual(try RuleSchema.parse(yaml: "# only a comment\n", file: "r"), RuleFileSpec(file: "r"))
        XCTAssertEqual(try RuleSchema.parse(yaml: "secret_rules:\npath_rules: ~\nconfig_rules: []\n", file: "r"), RuleFileSpec(file: "r"))
    }

    func testTheShippedRuleFilesPass() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Patterns")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThan(names.count, 3)
        var specs: [RuleFileSpec] = []
        for name in names {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            specs.append(try RuleSchema.parse(yaml: text, file: name, minExamples: 2))
        }
        XCTAssertNoThrow(try RuleSchema.checkUniqueIDs(specs))
        XCTAssertGreaterThan(specs.map(\.secretRules.count).reduce(0, +), 20)
    }

    // MARK: file structure

    func testInvalidYAML() {
        let e = rejection("secret_rules:\n  - id: a\n    name: [unclosed\n")
        XCTAssertNotNil(e?.line)
        XCTAssertTrue(e?.reason.hasPrefix("not valid YAML") == true, "\(String(describing: e))")
        // Duplicate keys are named at the mapping that holds them (Yams reports no finer position).
        assertRejected("path_rules: []\npath_rules: []\n", atLine: 1, rule: nil, "duplicate keys path_rules")
    }

    func testTopLevelShape() {
        assertRejected("- id: a\n", atLine: 1, rule: nil, "the top level must be a mapping")
        assertRejected("just text\n", atLine: 1, rule: nil, "the top level must be a mapping")
        assertRejected("path_rules: []\nsecrets: []\n", atLine: 2, rule: nil, "unknown top-level key 'secrets'")
        assertRejected("secret_rules:\n  id: a\n", atLine: 2, rule: nil, "secret_rules must be a list")
        assertRejected("config_rules: text\n", atLine: 1, rule: nil, "config_rules must be a list")
        assertRejected("path_rules:\n  - just a string\n", atLine: 2, rule: nil, "a path rule must be a mapping")
    }

    // MARK: ids

    func testMissingOrEmptyID() {
        assertRejected(secret(replacing: "  - id: test.token", with: "  - slow: false"), atLine: 2, rule: nil, "missing 'id'")
        assertRejected(secret(replacing: "  - id: test.token", with: "  - id: ''"), atLine: 2, rule: nil, "'id' must be a non-empty string")
        assertRejected(secret(replacing: "  - id: test.token", with: "  - id: [a, b]"), atLine: 2, rule: nil, "'id' must be a non-empty string")
    }

    func testBadIDCharacters() {
        for bad in ["Test.Token", "test_token", "-test", ".test", "test token", "tést"] {
            assertRejected(secret(replacing: "  - id: test.token", with: "  - id: '\(bad)'"), atLine: 2, rule: bad,
                           "id must be lower-case letters, digits, '-' and '.'")
        }
    }

    func testDuplicateIDs() {
        let twice = """
        path_rules:
          - id: path.a
            description: first
            globs: ["a"]
          - id: path.a
            description: second
            globs: ["b"]
        """
        assertRejected(twice, atLine: 5, rule: "path.a", "duplicate id (first defined on line 2)")
        // Across rule kinds in one file.
        let across = RuleSchemaTests.secretRule + "\npath_rules:\n  - id: test.token\n    description: d\n    globs: [\"x\"]\n"
        assertRejected(across, atLine: 15, rule: "test.token", "duplicate id (first defined on line 2)")
    }

    func testDuplicateIDsAcrossFiles() throws {
        let a = try RuleSchema.parse(yaml: "path_rules:\n  - id: path.a\n    description: d\n    globs: [\"a\"]\n", file: "a.yaml")
        let b = try RuleSchema.parse(yaml: "path_rules:\n  - id: path.b\n    description: d\n    globs: [\"b\"]\n" +
                                     "  - id: path.a\n    description: d\n    globs: [\"c\"]\n", file: "b.yaml")
        XCTAssertNoThrow(try RuleSchema.checkUniqueIDs([a]))
        XCTAssertThrowsError(try RuleSchema.checkUniqueIDs([a, b])) { error in
            XCTAssertEqual(error as? RuleSchemaError,
                           RuleSchemaError(file: "b.yaml", line: 5, ruleID: "path.a", reason: "duplicate id (also in a.yaml)"))
        }
    }

    // MARK: fields and types

    func testUnknownFields() {
        assertRejected(secret(replacing: "    name: Test token", with: "    name: Test token\n    severity: high"), atLine: 4, rule: "test.token",
                       "unknown field 'severity'")
        assertRejected("path_rules:\n  - id: p.a\n    description: d\n    globs: [\"a\"]\n    pattern: x\n", atLine: 5, rule: "p.a",
                       "unknown field 'pattern'")
        assertRejected("config_rules:\n  - id: c.a\n    name: n\n    globs: [\"a\"]\n    keywords: [abc]\n", atLine: 5, rule: "c.a",
                       "unknown field 'keywords'")
    }

    func testMissingRequiredFields() {
        assertRejected(secret(replacing: "    name: Test token", with: ""), atLine: 2, rule: "test.token", "missing 'name'")
        assertRejected(secret(replacing: "    pattern: 'tok_(?<secret>[a-z0-9]{16})'", with: ""), atLine: 2, rule: "test.token", "missing 'pattern'")
        // A missing list field points at its rule's line, like every other missing field.
        assertRejected(secret(replacing: "    keywords: [tok_]", with: ""), atLine: 2, rule: "test.token", "missing 'keywords'")
        assertRejected("path_rules:\n  - id: p.a\n    globs: [\"a\"]\n", atLine: 2, rule: "p.a", "missing 'description'")
        assertRejected("path_rules:\n  - id: p.a\n    description: d\n", atLine: 2, rule: "p.a", "missing 'globs'")
        assertRejected("config_rules:\n  - id: c.a\n    name: n\n", atLine: 2, rule: "c.a", "missing 'globs'")
        assertRejected("config_rules:\n  - id: c.a\n    globs: [\"a\"]\n", atLine: 2, rule: "c.a", "missing 'name'")
    }

    func testWrongTypes() {
        assertRejected(secret(replacing: "    name: Test token", with: "    name: ''"), atLine: 3, rule: "test.token", "'name' must be a non-empty string")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: tok_"), atLine: 4, rule: "test.token",
                       "'keywords' must be a list of strings")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords:\n      - key: value"), atLine: 5, rule: "test.token",
                       "every entry of 'keywords' must be a string")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    slow: maybe"), atLine: 5, rule: "test.token",
                       "'slow' must be true or false")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    multiline: 1"), atLine: 5, rule: "test.token",
                       "'multiline' must be true or false")
        for entropy in ["high", "-1", "8.5", "[1]"] {
            assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    min_entropy: \(entropy)"), atLine: 5,
                           rule: "test.token", "'min_entropy' must be a number of bits per byte between 0 and 8")
        }
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    category: [secret]"), atLine: 5,
                       rule: "test.token", "'category' must be a string")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    stopwords: word"), atLine: 5,
                       rule: "test.token", "'stopwords' must be a list of strings")
    }

    // MARK: secret rules

    func testKeywords() {
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: ['']"), atLine: 4, rule: "test.token", "empty keyword")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_, ab]"), atLine: 4, rule: "test.token",
                       "keyword 'ab' is shorter than 3 bytes")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: []"), atLine: 2, rule: "test.token", "no keywords")
    }

    func testPatternGroups() {
        for (pattern, reason) in [
            ("tok_[a-z0-9]{16}", "pattern has no named group `secret`"),
            ("tok_(?<key>[a-z0-9]{16})", "pattern has no named group `secret`"),
            ("(?<pre>tok_)(?<secret>[a-z0-9]{16})", "pattern names a group 'pre': only `secret` may be named"),
            ("(?<secret>a)|(?<secret>b)", "pattern names `secret` more than once"),
            ("(?<=tok_)[a-z]{16}", "pattern has no named group `secret`"),
            ("\\(?<secret>x)", "pattern has no named group `secret`"),
            ("[(?<secret>]x", "pattern has no named group `secret`"),
        ] {
            assertRejected(secret(replacing: "    pattern: 'tok_(?<secret>[a-z0-9]{16})'", with: "    pattern: '\(pattern)'"), atLine: 5,
                           rule: "test.token", reason)
        }
        assertRejected(secret(replacing: "    pattern: 'tok_(?<secret>[a-z0-9]{16})'", with: "    pattern: ''"), atLine: 5,
                       rule: "test.token", "'pattern' must be a non-empty string")
    }

    func testNamedGroupSyntaxes() {
        XCTAssertEqual(RuleSchema.namedGroups("(?<secret>a)(?P<p>b)(?'q'c)"), ["secret", "p", "q"])
        XCTAssertEqual(RuleSchema.namedGroups("(?<=a)(?<!b)(?:c)(d)"), [])
        XCTAssertEqual(RuleSchema.namedGroups("\\(?<x>y)[(?<z>)](?<secret>w)"), ["secret"])
    }

    func testCategoriesAndValidators() {
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    category: model-weights"), atLine: 5,
                       rule: "test.token", "unknown category 'model-weights'")
        assertRejected(secret(replacing: "    keywords: [tok_]", with: "    keywords: [tok_]\n    validate: online"), atLine: 5,
                       rule: "test.token", "unknown validate 'online'")
        assertRejected("path_rules:\n  - id: p.a\n    description: d\n    globs: [\"a\"]\n    suggests: weights\n", atLine: 5, rule: "p.a",
                       "unknown category 'weights'")
        assertRejected("config_rules:\n  - id: c.a\n    name: n\n    globs: [\"a\"]\n    category: gradients\n", atLine: 5, rule: "c.a",
                       "unknown category 'gradients'")
    }

    // MARK: examples

    func testExamples() {
        // The rule's first five lines, then `examples` on line 6.
        let head = RuleSchemaTests.secretRule.components(separatedBy: "\n").prefix(5).joined(separator: "\n") + "\n"
        assertRejected(head + "    examples: [a]", atLine: 6, rule: "test.token", "'examples' must be a mapping with match and no_match")
        assertRejected(head + "    examples:\n      matches: [x]", atLine: 7, rule: "test.token", "unknown field 'matches' in examples")
        assertRejected(head + "    examples:\n      match: tok_x", atLine: 7, rule: "test.token", "examples.match must be a list")
        assertRejected(head + "    examples:\n      no_match: {a: b}", atLine: 7, rule: "test.token", "examples.no_match must be a list")
        assertRejected(head + "    examples:\n      match:\n        - [tok_short]", atLine: 8, rule: "test.token",
                       "an example must be a string or a mapping")
        assertRejected(head + "    examples:\n      match:\n        - { text: a, path: x }", atLine: 8, rule: "test.token",
                       "unknown field 'path'")
        assertRejected(head + "    examples:\n      match:\n        - { secret: a }", atLine: 8, rule: "test.token", "an example needs 'text'")
        assertRejected(head + "    examples:\n      match:\n        - { text: [a] }", atLine: 8, rule: "test.token", "'text' must be a string")
    }

    func testMinimumExamples() throws {
        XCTAssertNoThrow(try RuleSchema.parse(yaml: RuleSchemaTests.secretRule, file: "r", minExamples: 2))
        assertRejected(RuleSchemaTests.secretRule, atLine: 7, rule: "test.token", "needs at least 3 match and 3 no_match examples (has 2 and 2)",
                       minExamples: 3)
        let without = RuleSchemaTests.secretRule.components(separatedBy: "\n").prefix(5).joined(separator: "\n")
        XCTAssertNoThrow(try RuleSchema.parse(yaml: without, file: "r"), "user files may have no examples")
        assertRejected(without, atLine: 2, rule: "test.token", "missing 'examples' (at least 2 match and 2 no_match)", minExamples: 2)
    }

    // MARK: config and path rules

    func testConfigRules() {
        let base = "config_rules:\n  - id: c.a\n    name: n\n"
        assertRejected(base + "    globs: []\n", atLine: 4, rule: "c.a", "no globs")
        assertRejected(base + "    globs: [\"**/.ENV\"]\n", atLine: 4, rule: "c.a", "glob '**/.ENV' is not lower-case")
        assertRejected(base + "    globs: [\".env\"]\n    exclude_globs: [\"Docs/**\"]\n", atLine: 5, rule: "c.a", "glob 'Docs/**' is not lower-case")
        assertRejected(base + "    globs: [\".env\"]\n    content: ''\n", atLine: 5, rule: "c.a", "content must be a non-empty string")
        assertRejected(base + "    globs: [\".env\"]\n    content: 'password=(\\S+)'\n", atLine: 5, rule: "c.a",
                       "content has no named group `secret`")
        assertRejected(base + "    globs: [\".env\"]\n    examples:\n      match:\n        - just text\n", atLine: 7, rule: "c.a",
                       "a config rule's example needs a path: { path: ..., text: ... }")
        assertRejected(base + "    globs: [\".env\"]\n    examples:\n      match:\n        - { text: x }\n", atLine: 7, rule: "c.a",
                       "a config rule's example needs a path")
        assertRejected(base + "    globs: [\".env\"]\n    examples:\n      match:\n        - { path: .env, secret: x }\n", atLine: 7, rule: "c.a",
                       "unknown field 'secret'")
    }

    func testPathRules() {
        assertRejected("path_rules:\n  - id: p.a\n    description: d\n    globs: []\n", atLine: 4, rule: "p.a", "no globs")
        assertRejected("path_rules:\n  - id: p.a\n    description: d\n    globs: \"*.pt\"\n", atLine: 4, rule: "p.a",
                       "'globs' must be a list of strings")
    }

    func testErrorDescription() {
        XCTAssertEqual(RuleSchemaError(file: "a.yaml", line: 3, ruleID: "x.y", reason: "bad").description, "a.yaml:3: rule x.y: bad")
        XCTAssertEqual(RuleSchemaError(file: "a.yaml", line: nil, reason: "bad").description, "a.yaml: bad")
    }
}
