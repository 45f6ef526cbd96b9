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
            XCTAssertEqual(d.summary.tensorBytes, fixture(t.file).count, t.file)
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
        // Random bytes first, weights after: the first window decides.
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
