import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class RawTensorSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = RawTensorSniffer()

    func memory(_ bytes: [UInt8], _ name: String = "blob.bin") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    func randomBytes(_ n: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    // MARK: what it must find

    func testFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format.hasPrefix("raw-") && $0.expect == "finding" }
        XCTAssertGreaterThanOrEqual(truths.count, 6)
        for t in truths {
            guard let d = found(sniffInput(t.file)) else { continue }
            XCTAssertEqual(d.format, t.format, t.file)
            // Content alone says "a dump"; names make it weights or gradients (FixtureManifestTests).
            XCTAssertEqual(d.category, .tensorDump, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(d.summary.dtypes, t.dtypes ?? [], t.file)
            // A dump behind a header (an ONNX TensorProto) counts only the body.
            let width = ["float16": 2, "bfloat16": 2, "float64": 8][d.summary.dtypes.first ?? ""] ?? 4
            XCTAssertEqual(d.summary.tensorBytes, (t.parameters ?? 0) * width, t.file)
        }
    }

    func testWholeDetectorNamesTheCategory() throws {
        for (file, category) in [("positive/grads.bin", Category.gradients), ("positive/weights_fc1.f16.bin", .modelWeights),
                                 ("positive/tensor_000.dat", .tensorDump)] {
            guard case .finding(let f) = ArtifactDetector().examine(path: PathBytes(file), source: MemoryByteSource(fixture(file))) else {
                XCTFail("\(file) not found"); continue
            }
            XCTAssertEqual(f.category, category, file)
        }
    }

    func testStreamSourceSamplesWithinItsReach() throws {
        let bytes = fixture("positive/weights_fc1.f32.bin")
        let stream = streamSource(bytes)
        let d = try XCTUnwrap(found(SniffInput(path: PathBytes("w.bin"), source: stream)))
        XCTAssertEqual(d.format, "raw-float32")
        XCTAssertEqual(d.summary.parameters, 32768)
    }

    func testSmallestDumpIsOneWindow() throws {
        let whole = fixture("positive/weights_fc1.f32.bin")
        let d = try XCTUnwrap(found(memory(Array(whole.prefix(4096)))))
        XCTAssertEqual(d.summary.parameters, 1024)
        assertNotMine(memory(Array(whole.prefix(4092))))
    }

    func testZeroRegionsAreSkippedByTheAgreementCheck() throws {
        // Weights, then zero padding: the sampled windows hold no data and do not veto.
        let b = Array(fixture("positive/weights_fc1.f32.bin").prefix(8192)) + [UInt8](repeating: 0, count: 120 * 1024)
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(d.format, "raw-float32")
    }

    // MARK: what it must not find

    func testSignalsAndMeshesAreNeverADump() {
        // Float data that is not a tensor: PCM audio, a lookup table, meshes written by trimesh and
        // numpy-stl; through the whole detector (a mesh is a known binary, audio fails the
        // neighbour test).
        let detector = ArtifactDetector()
        for name in ["negative/signals/speech_16k.f32.raw", "negative/signals/sine_table.f32.bin", "negative/signals/sphere.glb",
                     "negative/signals/sphere.ply", "negative/signals/mesh.stl"] {
            assertNotMine(sniffInput(name))
            if case .finding(let f) = detector.classify(sniffInput(name)).0 { XCTFail("\(name): \(f.message)") }
        }
        // A USD crate: floats behind its magic.
        let usdc = Array("PXR-USDC".utf8) + [UInt8](repeating: 0, count: 8) + Array(fixture("positive/weights_fc1.f32.bin").prefix(96 * 1024))
        if case .finding(let f) = detector.classify(memory(usdc)).0 { XCTFail("usdc: \(f.message)") }
    }

    func testDumpsBehindAHeaderAndBelowFloat16sNormalRange() throws {
        let proto = try XCTUnwrap(found(sniffInput("positive/dumps/fc_weight.tensorproto.pb")))
        XCTAssertEqual(proto.summary.parameters, 256 * 96)
        XCTAssertTrue(proto.summary.notes.contains { $0.contains("ONNX TensorProto") }, "\(proto.summary.notes)")
        // The same body behind 1-7 bytes of any header: found at every phase, counted within the header's length.
        let body = Array(fixture("positive/weights_fc1.f32.bin").prefix(128 * 1024))
        for n in 1...7 {
            let d = try XCTUnwrap(found(memory([UInt8](repeating: 0xA7, count: n) + body)), "\(n)")
            XCTAssertLessThanOrEqual(abs((d.summary.parameters ?? 0) - body.count / 4), 2, "\(n)")
        }
        let f16 = try XCTUnwrap(found(sniffInput("positive/dumps/grads_f16_subnormal.bin")))
        XCTAssertEqual(f16.summary.dtypes, ["float16"])
        XCTAssertNotNil(found(sniffInput("positive/dumps/sparse_grads.f32.bin")))
    }

    func testNegativeRawDataIsNotMine() {
        for name in ["negative/image_256x256.u16.raw", "negative/tokens_int32.bin", "negative/tokens_int64.bin", "negative/random.bin"] {
            assertNotMine(sniffInput(name))
        }
    }

    func testSizeNotAMultipleOfTheWidth() {
        for name in ["positive/weights_fc1.f32.bin", "positive/weights_fc2.f64.bin", "positive/weights_fc1.f16.bin"] {
            let b = fixture(name) + [0]
            assertNotMine(memory(b))
        }
    }

    func testFloatsOnlyAtTheStartAreNotADump() {
        // 4 KiB of real weights, then random bytes: the windows at 1/4, 1/2, 3/4 disagree.
        let b = Array(fixture("positive/weights_fc1.f32.bin").prefix(4096)) + randomBytes(124 * 1024)
        assertNotMine(memory(b))
        // 4 KiB of random bytes first (longer than any header), weights after.
        assertNotMine(memory(randomBytes(4096) + Array(fixture("positive/weights_fc1.f32.bin").prefix(124 * 1024))))
    }

    func testNoDataAndTextAreNotMine() {
        assertNotMine(memory([UInt8](repeating: 0, count: 64 * 1024)))
        assertNotMine(memory([UInt8](repeating: 0xFF, count: 64 * 1024)))
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog\n", count: 2000).utf8)
        assertNotMine(memory(Array(text.prefix(64 * 1024))))
        assertNotMine(memory([]))
        assertNotMine(memory(Array(fixture("positive/weights_fc1.f32.bin").prefix(1000))))
    }

    func testRandomBytesAreNotMine() {
        for _ in 0..<20 { assertNotMine(memory(randomBytes(16 * 1024))) }
    }
}
