import MoatBytes
@testable import MoatCore
import XCTest

final class TrainingRecordsSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TrainingRecordsSniffer()

    /// `n` lines of `line(i)`, padded past the minimum size.
    func jsonl(_ n: Int, _ line: (Int) -> String) -> SniffInput {
        memoryInput(Array((0..<n).map(line).joined(separator: "\n").utf8) + [0x0A], name: "x.jsonl")
    }

    func testChatJSONLEstimatesBeyondTheHead() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/sft_chat.jsonl")))
        XCTAssertEqual(d.format, "jsonl")
        XCTAssertEqual(d.label, "JSONL training set")
        XCTAssertEqual(d.summary.notes.last, "chat records (messages: role/content)")
        XCTAssertTrue(d.summary.notes[0].hasPrefix("about "), "\(d.summary.notes)")
        XCTAssertTrue(d.isText)
    }

    func testAlpacaJSONArrayCountsExactly() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/alpaca_data.json")))
        XCTAssertEqual(d.format, "json-records")
        XCTAssertEqual(d.summary.notes, ["110 records", "instruction/output records"])
    }

    func testShapes() throws {
        let pad = String(repeating: "lorem ipsum ", count: 40)
        let cases: [(String, String)] = [
            (#"{"conversations": [{"from": "human", "value": "\#(pad)"}]}"#, "conversation records (from/value)"),
            (#"{"prompt": "\#(pad)", "completion": "x"}"#, "prompt/completion records"),
            (#"{"prompt": "q", "chosen": "\#(pad)", "rejected": "b"}"#, "preference records (chosen/rejected)"),
            (#"{"question": "\#(pad)", "answer": "x"}"#, "question/answer records"),
            (#"{"text": "\#(pad)", "id": 3}"#, "text records"),
        ]
        for (line, shape) in cases {
            let d = try XCTUnwrap(found(jsonl(60) { _ in line }), shape)
            XCTAssertEqual(d.summary.notes, ["60 records", shape])
        }
    }

    func testNotTrainingData() {
        let pad = String(repeating: "x", count: 400)
        // Logs, one big config object, a broken line, too small, too few records.
        assertNotMine(jsonl(60) { i in #"{"ts": \#(i), "level": "info", "msg": "\#(pad)"}"# })
        assertNotMine(memoryInput(Array(("{\n  \"a\": \"" + String(repeating: "y", count: 20000) + "\"\n}\n").utf8)))
        assertNotMine(jsonl(60) { i in i == 30 ? "{not json" : #"{"prompt": "\#(pad)", "completion": "x"}"# })
        assertNotMine(jsonl(3) { _ in #"{"prompt": "p", "completion": "c"}"# })
        assertNotMine(memoryInput(Array(("[" + String(repeating: "1, ", count: 9000) + "1]").utf8)))
    }

    func testSecretsInARecordAreFoundAsText() throws {
        // A training set is text: searched whole, with the secret's line, next to the dataset finding.
        var lines = (0..<200).map { i in #"{"prompt": "question \#(i) about the weather in some city", "completion": "answer \#(i)"}"# }
        lines[150] = #"{"prompt": "deploy with this", "completion": "aws_access_key_id = AKIAZ7XQ2MVL4RT6PNHB"}"#
        let bytes = Array(lines.joined(separator: "\n").utf8)
        let outcome = ContentScanner(secrets: SecretDetector()).examine(path: PathBytes("train.jsonl"), source: MemoryByteSource(bytes))
        XCTAssertEqual(outcome.findings.first { $0.kind == .artifact }?.format, "jsonl")
        let secret = try XCTUnwrap(outcome.findings.first { $0.kind == .secret })
        XCTAssertEqual(secret.line, 151)
    }

    func testOthers() {
        assertClaimsOnly(["positive/datasets/sft_chat.jsonl", "positive/datasets/alpaca_data.json"])
    }
}
