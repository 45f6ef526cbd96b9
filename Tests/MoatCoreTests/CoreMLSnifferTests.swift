import MoatBytes
@testable import MoatCore
import XCTest

final class CoreMLSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = CoreMLSniffer()
    static let spec = "positive/models/mlp.mlpackage/Data/com.apple.CoreML/model.mlmodel"

    func testNeuralNetworkSpecHoldsWeights() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/mlp.mlmodel")))
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(details(d)["inputs"], "1")
        XCTAssertEqual(details(d)["outputs"], "1")
    }

    func testMLProgramSpecIsAnAsset() throws {
        let d = try XCTUnwrap(found(sniffInput(CoreMLSnifferTests.spec)))
        XCTAssertEqual(d.category, .modelAsset)
        XCTAssertEqual(d.label, "Core ML ML program spec")
    }

    func testOtherProtobufsAreNotMine() {
        assertNotMine(sniffInput("positive/tiny_mlp.onnx"))
        assertNotMine(sniffInput("negative/descriptor_set.pb"))
        assertNotMine(sniffInput("positive/models/saved_model/saved_model.pb"))
    }

    func testOthers() {
        assertClaimsOnlyModels(["positive/models/mlp.mlmodel", CoreMLSnifferTests.spec])
    }
}

final class CoreMLWeightsSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = CoreMLWeightsSniffer()
    static let blob = "positive/models/mlp.mlpackage/Data/com.apple.CoreML/weights/weight.bin"

    func testBlobsCountedRecordToRecord() throws {
        let d = try XCTUnwrap(found(sniffInput(CoreMLWeightsSnifferTests.blob)))
        // coremltools keeps the 5-element output bias inline in the spec: three blobs here.
        XCTAssertEqual(d.summary.tensors, 3)
        XCTAssertEqual(d.summary.parameters, 20 * 64 + 64 + 64 * 5)
        XCTAssertEqual(d.summary.dtypes, ["float16"])
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")
    }

    func testBrokenChainAndCutFile() throws {
        var b = fixture(CoreMLWeightsSnifferTests.blob)
        b[64] = 0  // the first sentinel
        assertNotMine(memoryInput(b))
        let cut = try XCTUnwrap(found(memoryInput(Array(fixture(CoreMLWeightsSnifferTests.blob).prefix(2800)))))
        XCTAssertTrue(cut.problems.first?.hasPrefix("truncated") ?? false, "\(cut.problems)")
    }

    func testOthers() { assertClaimsOnlyModels([CoreMLWeightsSnifferTests.blob]) }
}

final class OpenVINOSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = OpenVINOSniffer()

    func testIRGraphCountsItsConstants() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/openvino/model.xml")))
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 1669)
        XCTAssertEqual(d.summary.tensorBytes, 1669 * 4)
        XCTAssertEqual(details(d)["ir_version"], "11")
    }

    func testOtherXMLIsNotMine() {
        assertNotMine(memoryInput(Array("<?xml version=\"1.0\"?>\n<net name=\"home\" version=\"1\"><hosts/></net>".utf8)))
        assertNotMine(memoryInput(Array("<?xml version=\"1.0\"?>\n<svg><layers></layers></svg>".utf8)))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/openvino/model.xml"]) }
}
