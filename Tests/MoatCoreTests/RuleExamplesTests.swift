import MoatBytes
import XCTest
@testable import MoatCore

/// Every built-in rule's examples, through the real engine (the same check as `moat rules --test`).
final class RuleExamplesTests: XCTestCase {
    func testEveryBuiltInRuleExampleBehaves() {
        let detector = SecretDetector(showSecrets: true)
        XCTAssertTrue(detector.matcher.compileErrors.isEmpty, "\(detector.matcher.compileErrors)")
        let report = RuleExamples.check(detector)
        XCTAssertGreaterThan(report.examples, 400)
        XCTAssertEqual(report.failures, [], report.failures.prefix(20).joined(separator: "\n"))
    }

    func testAKeyInsideAProtocol2PickleIsFound() {
        // pickle protocol 2: BINUNICODE 'AKIA...' followed by the BINPUT opcode 'q' and a memo index.
        let key = Array("AKIAQYLPMN5HHHFPZAM2".utf8)
        var bytes: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58] + [UInt8(key.count), 0, 0, 0] + key + [0x71, 0x01]
        bytes += Array(String(repeating: "padding text for a printable run ", count: 2).utf8)
        let detector = SecretDetector(showSecrets: true)
        let input = SniffInput(path: PathBytes("checkpoint.pkl"), source: MemoryByteSource(bytes))
        let found = detector.findings(in: input, kind: .binary(format: "pickle"))
        XCTAssertTrue(found.contains { $0.secret?.value == "AKIAQYLPMN5HHHFPZAM2" }, "\(found.map(\.message))")
    }

    func testValuesAreRedactedUnlessAsked() {
        let text = Array("token = \"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\"\n".utf8)
        let input = SniffInput(path: PathBytes("a.py"), source: MemoryByteSource(text))
        let redacted = SecretDetector().findings(in: input, kind: .text)
        XCTAssertEqual(redacted.count, 1)
        XCTAssertNil(redacted.first?.secret?.value)
        XCTAssertFalse(redacted.first?.message.contains("pLIixMEOLeMaEqJomTEIJEzOjoOjHyVaQX") ?? true)
        XCTAssertEqual(redacted.first?.line, 1)
        XCTAssertEqual(redacted.first?.column, 10)
    }

    func testPlaceholdersDoNotFire() {
        let text = Array("API_KEY=changeme\nSECRET_TOKEN=${SECRET_TOKEN}\nOPENAI_API_KEY=<your-key>\npassword = \"xxxxxxxxxxxxxxxx\"\n".utf8)
        let input = SniffInput(path: PathBytes("settings.py"), source: MemoryByteSource(text))
        XCTAssertEqual(SecretDetector().findings(in: input, kind: .text).map(\.rule), [])
    }
}
