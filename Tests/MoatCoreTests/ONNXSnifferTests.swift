import MoatBytes
@testable import MoatCore
import XCTest

/// Minimal protobuf encoding for building ModelProtos in tests.
private enum PB {
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        return out
    }
    static func int(_ field: UInt64, _ v: UInt64) -> [UInt8] { varint(field << 3) + varint(v) }
    static func bytes(_ field: UInt64, _ b: [UInt8]) -> [UInt8] { varint(field << 3 | 2) + varint(UInt64(b.count)) + b }
    static func string(_ field: UInt64, _ s: String) -> [UInt8] { bytes(field, Array(s.utf8)) }

    /// A TensorProto with dims, data_type, name and either raw data or external data.
    static func tensor(dims: [UInt64], type: UInt64, name: String, raw: [UInt8]? = nil, external: (String, Int)? = nil) -> [UInt8] {
        var t: [UInt8] = []
        for d in dims { t += int(1, d) }
        t += int(2, type) + string(8, name)
        if let r = raw { t += bytes(9, r) }
        if let (loc, len) = external {
            t += bytes(13, string(1, "location") + string(2, loc))
            t += bytes(13, string(1, "length") + string(2, String(len)))
            t += int(14, 1)
        }
        return t
    }

    static func model(ir: UInt64 = 9, producer: String = "test", graph: [UInt8], opset: UInt64 = 17, extra: [UInt8] = []) -> [UInt8] {
        int(1, ir) + string(2, producer) + string(3, "1.0") + bytes(7, graph) + bytes(8, string(1, "") + int(2, opset)) + extra
    }
}

final class ONNXSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = ONNXSniffer()

    func detection(_ input: SniffInput, file: StaticString = #filePath, line: UInt = #line) -> Detection? {
        guard case .found(let d) = sniffer.sniff(input) else { XCTFail("not found", file: file, line: line); return nil }
        return d
    }

    func memory(_ bytes: [UInt8], _ name: String = "x.bin") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    func testHelperBuiltModel() throws {
        let d = try XCTUnwrap(detection(sniffInput("positive/tiny_mlp.onnx")))
        XCTAssertEqual(d.format, "onnx")
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.label, "ONNX model")
        XCTAssertEqual(d.summary.tensors, 3)
        XCTAssertEqual(d.summary.parameters, 9600)
        XCTAssertEqual(d.summary.dtypes, ["float"])
        XCTAssertEqual(d.summary.tensorBytes, 9600 * 4)
        let details = Dictionary(uniqueKeysWithValues: d.summary.details)
        XCTAssertEqual(details["ir_version"], "14")
        XCTAssertEqual(details["producer"], "moat-fixtures")
        XCTAssertNotNil(details["opset"])
        XCTAssertTrue(d.problems.isEmpty)
    }

    func testTorchExport() throws {
        let d = try XCTUnwrap(detection(sniffInput("positive/tinynet_torch_export.onnx")))
        XCTAssertEqual(d.summary.tensors, 8)
        XCTAssertEqual(d.summary.parameters, 4586)
        XCTAssertEqual(d.summary.dtypes, ["float"])
        let details = Dictionary(uniqueKeysWithValues: d.summary.details)
        XCTAssertEqual(details["producer"], "pytorch")
        XCTAssertEqual(details["producer_version"], "2.13.0")
        XCTAssertEqual(details["opset"], "17")
        XCTAssertEqual(details["ir_version"], "8")
    }

    func testExternalDataAndDtypes() throws {
        let graph = PB.bytes(5, PB.tensor(dims: [4, 8], type: 10, name: "w", raw: [UInt8](repeating: 0, count: 64)))
            + PB.bytes(5, PB.tensor(dims: [1000, 1000], type: 16, name: "big", external: ("model.onnx.data", 2_000_000)))
            + PB.string(2, "g")
        let d = try XCTUnwrap(detection(memory(PB.model(graph: graph))))
        XCTAssertEqual(d.summary.tensors, 2)
        XCTAssertEqual(d.summary.parameters, 1_000_032)
        XCTAssertEqual(d.summary.dtypes, ["float16", "bfloat16"])
        XCTAssertEqual(d.summary.tensorBytes, 2_000_064)
        XCTAssertTrue(d.summary.notes.contains { $0.contains("external data") })
        XCTAssertTrue(d.summary.details.contains { $0 == ("external_data", "model.onnx.data") })
    }

    func testTrainingInfoNote() throws {
        let graph = PB.bytes(5, PB.tensor(dims: [2], type: 1, name: "b", raw: [UInt8](repeating: 0, count: 8)))
        let d = try XCTUnwrap(detection(memory(PB.model(graph: graph, extra: PB.bytes(20, PB.bytes(1, []))))))
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertTrue(d.summary.notes.contains("training graph"))
    }

    func testStreamSourceBeyondReachStillRecognised() throws {
        // The graph is larger than what the stream may buffer: recognised from the prefix, counts omitted.
        let graph = PB.bytes(5, PB.tensor(dims: [300_000], type: 1, name: "w", raw: [UInt8](repeating: 1, count: 1_200_000)))
            + PB.bytes(5, PB.tensor(dims: [3], type: 1, name: "b", raw: [UInt8](repeating: 0, count: 12)))
        let bytes = PB.model(graph: graph)
        let stream = streamSource(bytes)
        let d = try XCTUnwrap(detection(SniffInput(path: PathBytes("m.onnx"), source: stream)))
        XCTAssertNil(d.summary.parameters)
        XCTAssertEqual(d.format, "onnx")
    }

    // MARK: negatives

    func testDescriptorSetIsNotONNX() { assertNotMine(sniffInput("negative/descriptor_set.pb")) }
    func testRandomBytes() { assertNotMine(sniffInput("negative/random.bin")) }
    func testPNG() { assertNotMine(sniffInput("negative/noise.png")) }

    func testRandomWithONNXPrefix() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var b = [UInt8](repeating: 0, count: 4096)
            for i in b.indices { b[i] = UInt8.random(in: 0...255, using: &g) }
            b[0] = 0x08; b[1] = 0x07; b[2] = 0x12; b[3] = 0x07
            assertNotMine(memory(b))
        }
    }

    func testTruncated() {
        let whole = fixture("positive/tiny_mlp.onnx")
        XCTAssertFalse(whole.isEmpty)
        for cut in [3, 20, 1000, whole.count / 2, whole.count - 1] {
            assertNotMine(memory(Array(whole.prefix(cut))))
        }
    }

    func testGraphLengthClaims2To40() {
        let b = PB.int(1, 8) + PB.string(2, "pytorch") + PB.varint(7 << 3 | 2) + PB.varint(1 << 40) + [0x0a, 0x00]
        assertNotMine(memory(b + [UInt8](repeating: 0, count: 100)))
    }

    func testInitializerLengthBeyondGraph() {
        // Graph is inside the file, but an initializer inside it claims more than the graph holds.
        let inner = PB.string(2, "g") + PB.varint(5 << 3 | 2) + PB.varint(1 << 40) + [0x08, 0x02]
        let d = sniffer.sniff(memory(PB.model(graph: inner)))
        guard case .found(let det) = d else { return XCTFail("expected found with a problem") }
        XCTAssertNil(det.summary.tensors)
        XCTAssertFalse(det.problems.isEmpty)
    }

    func testBareTensorProtoIsNotAModel() {
        // ONNX test data (input_0.pb): a bare TensorProto starting 08 <dim>.
        let t = PB.tensor(dims: [1, 3], type: 1, name: "x", raw: [UInt8](repeating: 0, count: 12))
        assertNotMine(memory(t))
    }

    func testMalformedGraphHeadIsNotMine() {
        assertNotMine(memory(PB.model(graph: PB.varint(5 << 3 | 2) + PB.varint(1 << 40) + [0x08, 0x02])))
    }

    func testModelWithoutGraphIsNotMine() {
        assertNotMine(memory(PB.int(1, 8) + PB.string(2, "x") + PB.bytes(8, PB.int(2, 17))))
    }

    func testCoreMLLikeProtoIsNotMine() {
        // Core ML: 08 <specVersion> 12 <description> then high field numbers.
        assertNotMine(memory(PB.int(1, 4) + PB.bytes(2, PB.string(1, "in")) + PB.bytes(500, PB.bytes(1, [1, 2, 3]))))
    }
}

// MARK: hostile input (issue 9)

extension ONNXSnifferTests {
    func testAProducerWithAC1ControlSequenceIsEscaped() throws {
        // C1 CSI (U+009B) is printable to the structural check (no byte below 0x20) but not to a terminal.
        let graph = PB.tensor(dims: [2], type: 1, name: "w", raw: [0, 0, 0, 0, 0, 0, 0, 0])
        let b = PB.model(producer: "torch\u{9B}2J\u{202E}", graph: PB.bytes(5, graph))
        guard case .finding(let f) = ArtifactDetector().examine(path: PathBytes("m.onnx"), source: MemoryByteSource(b)) else {
            return XCTFail("no finding")
        }
        let producer = Dictionary(uniqueKeysWithValues: f.summary.details)["producer"]
        XCTAssertEqual(producer, "torch\\u{009b}2J\\u{202e}")
    }
}
