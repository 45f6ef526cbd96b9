import MoatBytes
@testable import MoatCore
import XCTest

final class TFLiteSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TFLiteSniffer()

    func memory(_ bytes: [UInt8]) -> SniffInput {
        SniffInput(path: PathBytes("model.tflite"), source: MemoryByteSource(bytes))
    }

    func testFixture() throws {
        guard case .found(let d) = sniffer.sniff(sniffInput("positive/tiny_fc.tflite")) else { return XCTFail("not found") }
        XCTAssertEqual(d.format, "tflite")
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.label, "TensorFlow Lite model")
        // Manifest: 2 constant tensors (fc/weights 64x128, fc/bias 64), 8256 parameters, FLOAT32.
        XCTAssertEqual(d.summary.tensors, 2)
        XCTAssertEqual(d.summary.parameters, 8256)
        XCTAssertEqual(d.summary.dtypes, ["FLOAT32"])
        XCTAssertEqual(d.summary.tensorBytes, 8256 * 4)
        let details = Dictionary(uniqueKeysWithValues: d.summary.details)
        XCTAssertEqual(details["description"], "MLIR Converted.")
        XCTAssertEqual(details["buffers"], "4")
        XCTAssertEqual(details["subgraph_tensors"], "4")
    }

    func testVersionOtherThan3() {
        var b = fixture("positive/tiny_fc.tflite")
        XCTAssertEqual(b[0x40], 3)
        b[0x40] = 2
        assertNotMine(memory(b))
    }

    func testRootOutsideFile() {
        var b = fixture("positive/tiny_fc.tflite")
        b[0] = 0xFF; b[1] = 0xFF; b[2] = 0xFF; b[3] = 0x7F
        assertNotMine(memory(b))
    }

    func testVTableOutsideFile() {
        var b = fixture("positive/tiny_fc.tflite")
        // soffset at the root (0x28) pointing far before the start of the file.
        b[0x28] = 0x00; b[0x29] = 0x00; b[0x2A] = 0x00; b[0x2B] = 0x40
        assertNotMine(memory(b))
    }

    func testTruncatedStillRecognisedWithoutCounts() {
        // The header is intact, the buffers are cut off: a model, but nothing can be counted.
        let b = Array(fixture("positive/tiny_fc.tflite").prefix(200))
        if case .found(let d) = sniffer.sniff(memory(b)) {
            XCTAssertNil(d.summary.parameters)
        }
    }

    func testRandomWithMagic() {
        var g = SystemRandomNumberGenerator()
        var hits = 0
        for _ in 0..<500 {
            var b = [UInt8](repeating: 0, count: 2048)
            for i in b.indices { b[i] = UInt8.random(in: 0...255, using: &g) }
            b.replaceSubrange(4..<8, with: Array("TFL3".utf8))
            b[0] = UInt8.random(in: 8...200, using: &g); b[1] = 0; b[2] = 0; b[3] = 0
            if case .found = sniffer.sniff(memory(b)) { hits += 1 }
        }
        XCTAssertEqual(hits, 0)
    }

    func testOtherFiles() {
        assertNotMine(sniffInput("negative/random.bin"))
        assertNotMine(sniffInput("negative/noise.png"))
        assertNotMine(sniffInput("positive/tiny_mlp.onnx"))
        var ort = fixture("positive/tiny_fc.tflite")
        ort.replaceSubrange(4..<8, with: Array("ORTM".utf8))
        assertNotMine(memory(ort))
        assertNotMine(memory([]))
        assertNotMine(memory(Array("\0\0\0\0TFL3".utf8)))
    }
}
