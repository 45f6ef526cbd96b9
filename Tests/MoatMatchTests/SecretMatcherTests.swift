import Foundation
import Synchronization
import XCTest
@testable import MoatMatch

final class SecretMatcherTests: XCTestCase {
    static let database: VectorscanDatabase = try! VectorscanDatabase.compile(TestRules.specs)
    static let matcher = SecretMatcher(TestRules.specs, database: database)

    /// One PCRE2 pass of every rule over the whole input: what the windows must reproduce.
    func reference(_ bytes: [UInt8]) throws -> [RawMatch] {
        let scratch = PCRE2Scratch()
        var result: [RawMatch] = []
        for (rule, spec) in TestRules.specs.enumerated() {
            let p = try PCRE2Pattern(spec.pattern)
            let ms = try bytes.withUnsafeBytes { try p.allMatches(in: $0, scratch: scratch) }
            result += ms.map { RawMatch(rule: rule, whole: $0.whole, secret: $0.secret) }
        }
        return result.sorted()
    }

    func ids(_ matches: [RawMatch]) -> [String] { matches.map { TestRules.specs[$0.rule].id } }

    func text(_ bytes: [UInt8], _ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }

    func testEveryPlantedTokenIsFoundByBothStrategies() throws {
        var rng = SplitMix(seed: 1)
        for (id, token) in TestRules.plants(&rng) {
            let bytes = Array(("prefix\n" + token + "\nsuffix").utf8)
            for strategy in [SecretMatcher.Strategy.keywords, .database] {
                let found = Self.matcher.matches(in: bytes, strategy: strategy)
                XCTAssertTrue(ids(found).contains(id), "\(id) \(strategy): \(ids(found))")
            }
        }
    }

    func testStrategiesAgreeWithEachOtherAndAFullPassOnRealSource() throws {
        guard let nio = Corpus.nio else { throw XCTSkip("no swift-nio mirror in /opt/swift-packages") }
        let bytes = Corpus.planted(nio, rounds: 20, seed: 42)
        let worker = Self.matcher.makeWorker()
        let keywords = bytes.withUnsafeBytes { worker.matches(in: $0, strategy: .keywords) }
        let database = bytes.withUnsafeBytes { worker.matches(in: $0, strategy: .database) }
        let full = try reference(bytes)
        XCTAssertEqual(worker.statistics.limitHits, 0)
        XCTAssertEqual(keywords.count, database.count)
        XCTAssertEqual(keywords, database)
        XCTAssertEqual(database, full, "missing \(Set(full).subtracting(database).prefix(5)), extra \(Set(database).subtracting(full).prefix(5))")
        // Every planted token was found (20 of each), plus whatever the generic rule finds in the code.
        let counts = Dictionary(grouping: database, by: { TestRules.specs[$0.rule].id }).mapValues(\.count)
        var r = SplitMix(seed: 0)
        for (id, _) in TestRules.plants(&r) where id != "generic-api-key" {
            XCTAssertGreaterThanOrEqual(counts[id] ?? 0, 20, id)
        }
        XCTAssertEqual(counts["private-key"], 20)
        print("corpus \(bytes.count) bytes: \(database.count) matches; by rule \(counts.sorted { $0.key < $1.key })")
    }

    func testChunkedDatabaseScanGivesTheSameMatches() throws {
        guard let nio = Corpus.nio else { throw XCTSkip("no swift-nio mirror") }
        let bytes = Corpus.planted(Array(nio.prefix(2_000_000)), rounds: 5, seed: 9)
        let whole = Self.matcher.matches(in: bytes, strategy: .database)
        let saved = (VectorscanDatabase.chunkSize, VectorscanDatabase.chunkOverlap)
        VectorscanDatabase.chunkSize = 100_000
        VectorscanDatabase.chunkOverlap = 20_000
        defer { (VectorscanDatabase.chunkSize, VectorscanDatabase.chunkOverlap) = saved }
        let chunked = Self.matcher.matches(in: bytes, strategy: .database)
        XCTAssertEqual(whole, chunked)
        XCTAssertGreaterThan(whole.count, 100)
    }

    func testAWSKeyInsideAProtocol2Pickle() throws {
        // A pickled dict {"key": "AKIAIOSFODNN7EXAMPLE"}: the BINPUT opcode `q` follows the string,
        // a letter, so `\b` would not match; the lookahead over the key's own alphabet does.
        var pickle: [UInt8] = [0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x03, 0x00, 0x00, 0x00] + Array("key".utf8)
        pickle += [0x71, 0x01, 0x58, 0x14, 0x00, 0x00, 0x00] + Array("AKIAIOSFODNN7EXAMPLE".utf8) + [0x71, 0x02, 0x73, 0x2e]
        let aws = TestRules.index("aws-access-key-id")
        for strategy in [SecretMatcher.Strategy.keywords, .database] {
            let found = Self.matcher.matches(in: pickle, strategy: strategy).filter { $0.rule == aws }
            XCTAssertEqual(found.count, 1, "\(strategy)")
            XCTAssertEqual(found.first.map { text(pickle, $0.secret) }, "AKIAIOSFODNN7EXAMPLE")
        }
        // The same key inside a longer upper-case run is not a key.
        XCTAssertTrue(Self.matcher.matches(in: Array("XAKIAIOSFODNN7EXAMPLEQ".utf8)).filter { $0.rule == aws }.isEmpty)
    }

    func testLongMultilineMatchIsFound() throws {
        // A 24 KiB PEM block (a big PGP key block is of that order): within the 64 KiB window of
        // multi-line rules, found whole by both strategies.
        var rng = SplitMix(seed: 3)
        var body = ""
        for _ in 0..<380 { body += String((0..<64).map { _ in Character(UnicodeScalar(UInt8(65 + rng.next() % 26))) }) + "\n" }
        let pem = "-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIVATE KEY-----"
        let bytes = Array(("x = \"\"\"\n" + pem + "\n\"\"\"\n").utf8)
        let rule = TestRules.index("private-key")
        for strategy in [SecretMatcher.Strategy.keywords, .database] {
            let found = Self.matcher.matches(in: bytes, strategy: strategy).filter { $0.rule == rule }
            XCTAssertEqual(found.map { $0.whole.count }, [pem.utf8.count], "\(strategy)")
        }
    }

    func testSecretGroupAndOrder() throws {
        let bytes = Array("url = postgres://admin:s3cr3tpass@db:5432/x\nhf_abcdefghijklmnopqrstuvwxyzABCDEFGH\n".utf8)
        let found = Self.matcher.matches(in: bytes)
        let db = try XCTUnwrap(found.first { TestRules.specs[$0.rule].id == "database-url" })
        XCTAssertEqual(text(bytes, db.secret), "s3cr3tpass")
        let hf = try XCTUnwrap(found.first { TestRules.specs[$0.rule].id == "huggingface" })
        XCTAssertEqual(text(bytes, hf.whole), "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH")
        XCTAssertEqual(found, found.sorted())
        XCTAssertEqual(Set(found).count, found.count)
    }

    func testKeywordPathCompilesOnlyTheRulesItNeeds() {
        let m = SecretMatcher(TestRules.specs)
        _ = m.matches(in: Array("nothing to see; AKIAIOSFODNN7EXAMPLE".utf8))
        XCTAssertTrue(m.compileErrors.isEmpty)
        let broken = SecretMatcher([PatternSpec(id: "broken", pattern: "abc(", keywords: ["abc"]),
                                    PatternSpec(id: "fine", pattern: "(?<secret>abc[0-9])", keywords: ["abc"])])
        XCTAssertEqual(broken.matches(in: Array("abc1".utf8)).map(\.rule), [1])
        XCTAssertEqual(broken.compileErrors.map(\.rule), [0])
    }

    func testHostileInputsFinishInBoundedTime() throws {
        var rng = SplitMix(seed: 5)
        let twentyMB = 20 << 20
        var inputs: [(String, [UInt8])] = []
        inputs.append(("random bytes", (0..<twentyMB).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        inputs.append(("NUL bytes", [UInt8](repeating: 0, count: twentyMB)))
        let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        inputs.append(("one base64 line", (0..<twentyMB).map { _ in base64[Int(rng.next() & 63)] }))
        inputs.append(("one line of key=value", Array(String(repeating: "api_key=\"v4lue_" + "x", count: twentyMB / 16).utf8)))
        inputs.append(("one line of AKIA", Array(String(repeating: "AKIA", count: twentyMB / 4).utf8)))
        inputs.append(("unterminated PEM", Array(("-----BEGIN RSA PRIVATE KEY-----" + String(repeating: "A", count: twentyMB)).utf8)))
        inputs.append(("many PEM begins", Array(String(repeating: "-----BEGIN PRIVATE KEY-----\n", count: twentyMB / 28).utf8)))
        for (name, bytes) in inputs {
            for strategy in [SecretMatcher.Strategy.keywords, .database] {
                let worker = Self.matcher.makeWorker()
                let t0 = Date()
                let found = bytes.withUnsafeBytes { worker.matches(in: $0, strategy: strategy) }
                let seconds = Date().timeIntervalSince(t0)
                print("\(name), \(strategy): \(found.count) matches, \(worker.statistics.searches) searches, \(worker.statistics.limitHits) limit hits, \(worker.statistics.rulesStopped) rules stopped, \(String(format: "%.2f", seconds)) s")
                XCTAssertLessThan(seconds, 20, "\(name) \(strategy)")
            }
        }
    }

    func testWorkBudgetStopsARuleAtTheSamePlaceWhateverTheLoadAndSaysSo() throws {
        // 2 MB of PEM headers without an end: the test rules' PEM pattern scans its whole reach
        // from every header (PCRE2's JIT does not count that), so only the work budget stops it.
        let bytes = Array(String(repeating: "-----BEGIN PRIVATE KEY-----\n", count: (2 << 20) / 28).utf8)
        var options = SecretMatcher.Options()
        options.ruleWork = SecretMatcher.RuleWork(base: 1 << 30, perInputByte: 0)
        let m = SecretMatcher(TestRules.specs, options: options)
        let pem = try XCTUnwrap(TestRules.specs.firstIndex { $0.id == "private-key" })
        var stops: [[SecretMatcher.Incomplete]] = []
        for round in 0..<3 {
            // Round 1 runs beside two busy threads: a wall-clock budget would stop elsewhere.
            let busy = BusyFlag()
            let load = (0..<(round == 1 ? 2 : 0)).map { _ in Thread { var x = 0; while busy.on.load(ordering: .relaxed) { x &+= 1 }; _ = x } }
            load.forEach { $0.start() }
            let search = bytes.withUnsafeBytes { m.search($0, strategy: .keywords) }
            busy.on.store(false, ordering: .relaxed)
            XCTAssertTrue(search.matches.isEmpty)
            stops.append(search.incomplete)
        }
        XCTAssertEqual(stops[0].map(\.rule), [pem])
        XCTAssertEqual(stops[0].first?.reason, .workBudget)
        XCTAssertGreaterThan(stops[0].first?.offset ?? 0, 0)
        XCTAssertLessThan(stops[0].first?.offset ?? .max, bytes.count)
        XCTAssertEqual(stops[1], stops[0])
        XCTAssertEqual(stops[2], stops[0])
        // Without a budget the rule searches everything (and reports nothing).
        var unlimited = SecretMatcher.Options()
        unlimited.ruleWork = nil
        let small = Array(bytes.prefix(64 << 10))
        let whole = small.withUnsafeBytes { SecretMatcher(TestRules.specs, options: unlimited).search($0, strategy: .keywords) }
        XCTAssertTrue(whole.incomplete.isEmpty)
    }

    func testOrdinaryTextIsNeverStoppedByTheBudget() throws {
        guard let nio = Corpus.nio else { throw XCTSkip("no swift-nio mirror") }
        let bytes = Corpus.planted(Array(nio.prefix(4_000_000)), rounds: 3, seed: 7)
        for strategy in [SecretMatcher.Strategy.keywords, .database] {
            let search = bytes.withUnsafeBytes { Self.matcher.search($0, strategy: strategy) }
            XCTAssertEqual(search.incomplete, [], "\(strategy)")
            XCTAssertFalse(search.matches.isEmpty)
        }
    }

    func testCatastrophicUserRuleIsBounded() throws {
        let specs = [PatternSpec(id: "evil", pattern: #"(?<secret>keyz(\w+\s?)+$)"#, keywords: ["keyz"])]
        let m = SecretMatcher(specs, database: try VectorscanDatabase.compile(specs))
        let line = "keyz" + String(repeating: "aaaa ", count: 8) + String(repeating: "a", count: 40) + "!\n"
        let bytes = Array(String(repeating: line, count: 200).utf8)
        for strategy in [SecretMatcher.Strategy.keywords, .database] {
            let worker = m.makeWorker()
            let t0 = Date()
            _ = bytes.withUnsafeBytes { worker.matches(in: $0, strategy: strategy) }
            // vectorscan sees no end of line after the `!`, so only the keyword path searches.
            if strategy == .keywords {
                XCTAssertGreaterThan(worker.statistics.limitHits, 0)
                XCTAssertEqual(worker.incomplete.map(\.reason), [.matchLimit], "a limit hit is reported, once per rule")
            }
            XCTAssertLessThan(Date().timeIntervalSince(t0), 30)
        }
    }

    func testWorkersOnTwoThreadsAgree() throws {
        guard let nio = Corpus.nio else { throw XCTSkip("no swift-nio mirror") }
        let bytes = Corpus.planted(Array(nio.prefix(1_500_000)), rounds: 3, seed: 11)
        let expected = Self.matcher.matches(in: bytes, strategy: .keywords)
        let fresh = SecretMatcher(TestRules.specs, database: Self.database)   // lazy compiles race here
        let results = Mutex<[Int: [RawMatch]]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let found = fresh.matches(in: bytes, strategy: i % 2 == 0 ? .keywords : .database)
            results.withLock { $0[i] = found }
        }
        let all = results.withLock { $0 }
        for i in 0..<4 { XCTAssertEqual(all[i], expected, "thread \(i)") }
    }

    func testEmptyAndTinyInputs() {
        XCTAssertEqual(Self.matcher.matches(in: []), [])
        XCTAssertEqual(Self.matcher.matches(in: [0]), [])
        XCTAssertEqual(Self.matcher.matches(in: Array("hf_".utf8), strategy: .database), [])
    }
}

/// A flag busy-loop threads watch (to load the machine while a search runs).
final class BusyFlag: Sendable {
    let on = Atomic<Bool>(true)
}
