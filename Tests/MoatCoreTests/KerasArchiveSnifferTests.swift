import MoatBytes
@testable import MoatCore
import XCTest

/// Builds a stored (method 0) zip in memory; CRCs are left zero (the reader does not check them).
private func storedZip(_ members: [(String, [UInt8])]) -> [UInt8] {
    func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
    var out: [UInt8] = [], central: [UInt8] = []
    for (name, data) in members {
        let n = Array(name.utf8)
        let offset = out.count
        out += [0x50, 0x4B, 0x03, 0x04] + u16(20) + u16(0) + u16(0) + u32(0) + u32(0) + u32(data.count) + u32(data.count)
            + u16(n.count) + u16(0) + n + data
        central += [0x50, 0x4B, 0x01, 0x02] + u16(20) + u16(20) + u16(0) + u16(0) + u32(0) + u32(0) + u32(data.count)
            + u32(data.count) + u16(n.count) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset) + n
    }
    let cdOffset = out.count
    out += central
    out += [0x50, 0x4B, 0x05, 0x06] + u16(0) + u16(0) + u16(members.count) + u16(members.count) + u32(central.count) + u32(cdOffset) + u16(0)
    return out
}

final class KerasArchiveSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = KerasArchiveSniffer()

    func memory(_ bytes: [UInt8]) -> SniffInput {
        SniffInput(path: PathBytes("model.keras"), source: MemoryByteSource(bytes))
    }


    let metadata = Array(#"{"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}"#.utf8)
    let config = Array(#"{"module": "keras", "class_name": "Functional", "config": {}}"#.utf8)

    func testUncompiledModel() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/tiny_mlp.keras")))
        XCTAssertEqual(d.format, "keras-v3")
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.label, "Keras 3 model")
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 676)
        XCTAssertEqual(d.summary.dtypes, ["float32"])
        XCTAssertNil(d.summary.optimizer)
        XCTAssertEqual(details(d)["keras_version"], "3.15.1")
        XCTAssertEqual(details(d)["class_name"], "Sequential")
    }

    func testTrainedModelIsATrainingCheckpoint() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/tiny_mlp_trained.keras")))
        XCTAssertEqual(d.format, "keras-v3")
        XCTAssertEqual(d.category, .trainingCheckpoint)
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 676)
        XCTAssertEqual(d.summary.optimizer, "Adam")
        XCTAssertEqual(details(d)["optimizer_tensors"], "10")
        XCTAssertEqual(details(d)["optimizer_parameters"], "1354")
    }

    func testStreamedArchiveReadFromLocalHeaders() throws {
        // A source that is not random access: the zip is read from its local headers in the head.
        let bytes = fixture("positive/tiny_mlp_trained.keras")
        var pos = 0
        let stream = StreamByteSource(size: bytes.count, cap: 1 << 20) { buf, n in
            let m = min(n, bytes.count - pos)
            guard m > 0 else { return false }
            buf += bytes[pos..<(pos + m)]
            pos += m
            return true
        }
        let d = try XCTUnwrap(found(SniffInput(path: PathBytes("m.keras"), source: stream)))
        XCTAssertEqual(d.category, .trainingCheckpoint)
        XCTAssertEqual(d.summary.parameters, 676)
    }

    func testSyntheticArchiveWithWeightsMember() throws {
        let weights = fixture("positive/tiny_mlp_untrained.weights.h5")
        let d = try XCTUnwrap(found(memory(storedZip([("metadata.json", metadata), ("config.json", config), ("model.weights.h5", weights)]))))
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.summary.parameters, 676)
        XCTAssertEqual(details(d)["class_name"], "Functional")
    }

    func testNpzWeightsMember() throws {
        let d = try XCTUnwrap(found(memory(storedZip([("metadata.json", metadata), ("config.json", config),
                                                      ("model.weights.npz", fixture("positive/weights_stored.npz"))]))))
        XCTAssertEqual(d.format, "keras-v3")
        XCTAssertEqual(details(d)["weights"], "model.weights.npz")
    }

    func testGarbageWeightsMemberStillAKerasArchive() throws {
        // The archive layout and metadata say Keras; the weights member is unreadable: no counts.
        let d = try XCTUnwrap(found(memory(storedZip([("metadata.json", metadata), ("config.json", config),
                                                      ("model.weights.h5", [UInt8](repeating: 7, count: 300))]))))
        XCTAssertNil(d.summary.parameters)
    }

    func testNotKeras() {
        assertNotMine(sniffInput("negative/docs.zip"))
        assertNotMine(sniffInput("negative/random.bin"))
        assertNotMine(sniffInput("positive/weights_stored.npz"))
        assertNotMine(sniffInput("positive/pytorch_model.bin"))
        // Missing weights member.
        assertNotMine(memory(storedZip([("metadata.json", metadata), ("config.json", config)])))
        // metadata.json that is not JSON.
        assertNotMine(memory(storedZip([("metadata.json", Array("not json".utf8)), ("config.json", config),
                                        ("model.weights.h5", fixture("positive/tiny_mlp_untrained.weights.h5"))])))
        // Names only in a subdirectory.
        assertNotMine(memory(storedZip([("x/metadata.json", metadata), ("x/config.json", config), ("x/model.weights.h5", [])])))
    }
}
