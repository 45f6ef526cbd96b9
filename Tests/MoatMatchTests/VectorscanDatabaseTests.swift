import Foundation
import XCTest
@testable import MoatMatch

final class VectorscanDatabaseTests: XCTestCase {
    var temporary: String!

    override func setUp() {
        temporary = NSTemporaryDirectory() + "moat-match-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    func ends(_ db: VectorscanDatabase, _ text: String) throws -> [Int: [Int]] {
        let scratch = try db.makeScratch()
        var result: [Int: [Int]] = [:]
        _ = Array(text.utf8).withUnsafeBytes { raw in
            db.scan(raw, scratch: scratch) { id, end in result[db.entries[id].rule, default: []].append(end) }
        }
        return result
    }

    func testPlanUsesTheMostExactFormVectorscanTakes() throws {
        let db = try VectorscanDatabase.compile(TestRules.specs)
        func kind(_ id: String) -> VectorscanDatabase.Kind? { db.ruleKinds[TestRules.index(id)] }
        XCTAssertEqual(kind("github-pat"), .pattern)                               // lookahead relaxed
        XCTAssertEqual(kind("gitlab-pat"), .pattern)                               // atomic group relaxed
        XCTAssertEqual(kind("private-key"), .pattern)
        func forms(_ id: String) -> [VectorscanDatabase.Kind] { db.entries.filter { $0.rule == TestRules.index(id) }.map(\.kind) }
        XCTAssertEqual(forms("private-key"), [.pattern])
        XCTAssertEqual(kind("wandb-quoted"), .prefilter)                           // backreference
        XCTAssertEqual(kind("neptune-recursive"), .keyword(length: 13))            // recursion
        XCTAssertNil(kind("vault-token"))                                          // slow: not in the database
        XCTAssertFalse(VectorscanDatabase.version.isEmpty)
    }

    func testSerializeRoundTrip() throws {
        let db = try VectorscanDatabase.compile(TestRules.specs)
        let bytes = try db.serialize()
        let copy = try bytes.withUnsafeBytes { try VectorscanDatabase(deserializing: $0) }
        XCTAssertEqual(copy.entries, db.entries)
        XCTAssertEqual(copy.ruleKinds, db.ruleKinds)
        XCTAssertEqual(copy.fingerprint, db.fingerprint)
        let text = "x AKIAABCDEFGHIJKLMNOP y ghp_" + String(repeating: "a", count: 36) + " wandb_api_key='00'"
        XCTAssertEqual(try ends(copy, text), try ends(db, text))
        XCTAssertEqual(try ends(db, text)[TestRules.index("aws-access-key-id")], [22])
        // Truncated or foreign bytes are refused, not crashed on.
        XCTAssertThrowsError(try Array(bytes.prefix(bytes.count - 10)).withUnsafeBytes { try VectorscanDatabase(deserializing: $0) })
        XCTAssertThrowsError(try Array("garbage".utf8).withUnsafeBytes { try VectorscanDatabase(deserializing: $0) })
    }

    func testCacheFileIsWrittenAndReused() throws {
        let cache = DatabaseCache(directory: temporary + "/nested/moat")
        let (first, origin1) = try VectorscanDatabase.load(TestRules.specs, cache: cache)
        XCTAssertEqual(origin1, .compiled)
        let path = cache.path(forKey: first.fingerprint)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: temporary + "/nested/moat").filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])

        let t0 = Date()
        let (second, origin2) = try VectorscanDatabase.load(TestRules.specs, cache: cache)
        let loadTime = Date().timeIntervalSince(t0)
        XCTAssertEqual(origin2, .cache)
        XCTAssertEqual(second.entries, first.entries)
        XCTAssertLessThan(loadTime, 0.05)
        XCTAssertNotNil(VectorscanDatabase.cached(TestRules.specs, cache: cache))

        // Other rules: another key, so a miss.
        var other = TestRules.specs
        other[0].pattern += "x"
        XCTAssertNil(VectorscanDatabase.cached(other, cache: cache))
        XCTAssertNotEqual(cache.path(forKey: VectorscanDatabase.fingerprint(other)), path)

        // A damaged file is ignored and replaced.
        try Data("moat-vectorscan-cache\nbroken".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertNil(VectorscanDatabase.cached(TestRules.specs, cache: cache))
        let (_, origin3) = try VectorscanDatabase.load(TestRules.specs, cache: cache)
        XCTAssertEqual(origin3, .compiled)
        XCTAssertEqual(try VectorscanDatabase.load(TestRules.specs, cache: cache).1, .cache)

        // An unwritable cache folder only costs the store.
        let blocked = DatabaseCache(directory: "/proc/moat-cannot-write-here")
        XCTAssertEqual(try VectorscanDatabase.load(Array(TestRules.specs.prefix(3)), cache: blocked).1, .compiled)
    }

    func testMatcherPolicies() throws {
        let cache = DatabaseCache(directory: temporary)
        let none = SecretMatcher(TestRules.specs, options: .init(database: .cachedOnly(cache)))
        XCTAssertNil(none.database)
        XCTAssertNotNil(none.databaseError)
        let built = SecretMatcher(TestRules.specs, options: .init(database: .cachedOrCompiled(cache)))
        XCTAssertEqual(built.databaseOrigin, .compiled)
        let loaded = SecretMatcher(TestRules.specs, options: .init(database: .cachedOnly(cache)))
        XCTAssertEqual(loaded.databaseOrigin, .cache)
        XCTAssertEqual(DatabaseCache.defaultDirectory?.hasSuffix("moat"), true)
    }

    func testEmptyRuleSet() throws {
        let db = try VectorscanDatabase.compile([])
        XCTAssertTrue(try ends(db, "anything").isEmpty)
        let m = SecretMatcher([], database: db)
        XCTAssertEqual(m.matches(in: Array("abc".utf8), strategy: .database), [])
        XCTAssertEqual(m.matches(in: Array("abc".utf8), strategy: .keywords), [])
    }
}
