import MoatBytes
@testable import MoatCore
import XCTest

final class TFCheckpointSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TFCheckpointSniffer()

    func testTF2ObjectCheckpoint() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/tf2_ckpt/ckpt-1.index")))
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.label, "TensorFlow checkpoint (index)")
        XCTAssertEqual(d.summary.tensors, 3)
        XCTAssertEqual(d.summary.parameters, 32 * 64 + 64 + 64 * 10)
        XCTAssertEqual(d.summary.dtypes, ["float32"])
        XCTAssertTrue(d.summary.notes.contains("TF2 object checkpoint"))
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")
    }

    func testTF1TrainingCheckpointWithAdamSlots() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/tf1_train/model.ckpt-1.index")))
        XCTAssertEqual(d.category, .trainingCheckpoint)
        XCTAssertEqual(d.summary.optimizer, "Adam")
        XCTAssertEqual(d.summary.dtypes, ["float32", "int64"])
        XCTAssertTrue(d.summary.notes.contains("9 of 15 variables are optimizer slots"), "\(d.summary.notes)")
    }

    func testCutIndexStillReadsItsFirstEntries() throws {
        let b = fixture("positive/models/tf1_train/model.ckpt-1.index")
        let d = try XCTUnwrap(found(memoryInput(Array(b.prefix(200)))))
        XCTAssertTrue(d.problems.first?.hasPrefix("no table footer") ?? false, "\(d.problems)")
        XCTAssertGreaterThan(d.summary.tensors ?? 0, 0)
    }

    func testHeaderAloneOrWrongHeaderFieldIsNotMine() {
        // The bundle header with nothing after it: nine bytes of zeros and small numbers.
        assertNotMine(memoryInput([0, 0, 6, 0x08, 0x01, 0x1A, 0x02, 0x08, 0x01] + [UInt8](repeating: 0, count: 64)))
        var b = fixture("positive/models/tf2_ckpt/ckpt-1.index")
        b[3] = 0x20  // field 4 is not a BundleHeaderProto field
        assertNotMine(memoryInput(b))
    }

    func testHostileBlockHandlesNeverTrap() {
        var b = fixture("positive/models/tf2_ckpt/ckpt-1.index")
        for i in (b.count - 48)..<(b.count - 8) { b[i] = 0xFF }
        _ = sniffer.sniff(memoryInput(b))
    }

    func testOthers() {
        assertClaimsOnlyModels(["positive/models/tf2_ckpt/ckpt-1.index", "positive/models/tf1_train/model.ckpt-1.index",
                                "positive/models/saved_model/variables/variables.index"])
    }
}

final class TFSavedModelSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TFSavedModelSniffer()

    func testSavedModelGraphIsAnAsset() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/saved_model/saved_model.pb")))
        XCTAssertEqual(d.category, .modelAsset)
        XCTAssertEqual(details(d)["tensorflow_version"], "2.21.0")
        XCTAssertTrue(d.summary.notes.contains("tags: serve"), "\(d.summary.notes)")
        XCTAssertTrue(d.summary.notes.contains("weights in variables/"))
    }

    func testOtherProtobufsAreNotMine() {
        assertNotMine(sniffInput("negative/descriptor_set.pb"))
        assertNotMine(sniffInput("positive/tiny_mlp.onnx"))
        var b = fixture("positive/models/saved_model/saved_model.pb")
        b[1] = 0x02  // schema version 2 does not exist
        assertNotMine(memoryInput(b))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/saved_model/saved_model.pb"]) }
}
