import MoatBytes
@testable import MoatCore
import XCTest

final class FlaxMsgpackSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = FlaxMsgpackSniffer()

    func testParams() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/flax_model.msgpack")))
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 24 * 48 + 48 + 48 * 10 + 10)
        XCTAssertEqual(details(d)["root"], "params")
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")
    }

    func testTrainStateSeparatesOptaxMoments() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/train_state.msgpack")))
        XCTAssertEqual(d.category, .trainingCheckpoint)
        XCTAssertEqual(d.summary.parameters, 24 * 48 + 48 + 48 * 10 + 10)
        XCTAssertEqual(d.summary.optimizer, "optax Adam")
    }

    func testByteLengthMustMatchShape() {
        var b = fixture("positive/models/flax_model.msgpack")
        // The first array's shape: [24, 48] becomes [25, 48], no longer its byte length.
        let at = b.firstRange(of: [0x92, 0x18, 0x30])!
        b[at + 1] = 0x19
        assertNotMine(memoryInput(b))
    }

    func testCutFileSaysSo() throws {
        let b = fixture("positive/models/train_state.msgpack")
        let d = try XCTUnwrap(found(memoryInput(Array(b.prefix(b.count / 2)))))
        XCTAssertTrue(d.problems.first?.hasPrefix("walk stopped") ?? false, "\(d.problems)")
    }

    func testPlainMsgpackMapIsNotMine() {
        // {"a": 1, "b": [1, 2]}: a map without arrays.
        assertNotMine(memoryInput([0x82, 0xA1, 0x61, 0x01, 0xA1, 0x62, 0x92, 0x01, 0x02, 0, 0, 0]))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/flax_model.msgpack", "positive/models/train_state.msgpack"]) }
}
