import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class HDF5SnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = HDF5Sniffer()

    func memory(_ bytes: [UInt8], _ name: String = "data.h5") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }


    /// h5py `libver="latest"` (superblock 3, OHDR object headers, link messages): datasets `a`
    /// (float32 2x3) and `layers/w` (int16 4).
    static let latestFormat: [UInt8] = [UInt8](Data(base64Encoded: [
        "iUhERg0KGgoDCAgAAAAAAAAAAAD//////////yAIAAAAAAAAMAAAAAAAAAATGf85T0hEUgIAeAISAAAAAP//////////////////",
        "//8KAgABAAAGDAAAAQABYbMAAAAAAAAABhEAAAEABmxheWVyc78BAAAAAAAAADMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAL9yAd5PSERSAgEAAQEkAAACAgEBAgAAAAAAAAADAAAAAAAAAAIAAAAAAAAAAwAAAAAA",
        "AAADFAABESAfAAQAAAAAACAAFwgAF38AAAAFAgABAwoIEgAAAwEACAAAAAAAABgAAAAAAAAAAKAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABONnaNT0hE",
        "UgIAeAISAAAAAP////////////////////8KAgABAAAGDAAAAQABd0ICAAAAAAAAAEgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAJj9bA1PSERSAgEAAQEUAAACAQEBBAAAAAAA",
        "AAAEAAAAAAAAAAMMAAEQCAAAAgAAAAAAEAAFAgABAwoIEgAAAwEYCAAAAAAAAAgAAAAAAAAAALgAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAC8JJ7vAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAPwAAAEAAAEBAAACAQAAAoEAAAAAAAAAAAA==",
    ].joined())!)

    func testKeras3WeightsWithOptimizerState() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/tiny_mlp.weights.h5")))
        XCTAssertEqual(d.format, "hdf5-keras")
        XCTAssertEqual(d.category, .trainingCheckpoint)
        XCTAssertEqual(d.label, "Keras training checkpoint (HDF5)")
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 676)
        XCTAssertEqual(d.summary.dtypes, ["float32"])
        XCTAssertEqual(d.summary.optimizer, "Adam")
        XCTAssertEqual(details(d)["optimizer_tensors"], "10")
        XCTAssertEqual(details(d)["optimizer_parameters"], "1354")
    }

    func testKeras3WeightsWithoutOptimizer() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/tiny_mlp_untrained.weights.h5")))
        XCTAssertEqual(d.format, "hdf5-keras")
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.label, "Keras model weights (HDF5)")
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 676)
        XCTAssertNil(d.summary.optimizer)
    }

    func testKeras2LegacyFullModel() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/tiny_mlp_legacy.h5")))
        XCTAssertEqual(d.format, "hdf5-keras")
        XCTAssertEqual(d.category, .trainingCheckpoint)
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 676)
        XCTAssertEqual(d.summary.optimizer, "Adam")
        XCTAssertEqual(details(d)["keras_version"], "3.15.1")
        XCTAssertEqual(details(d)["backend"], "torch")
        XCTAssertEqual(details(d)["optimizer_tensors"], "10")
    }

    func testScientificFileIsADatasetNotAModel() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/measurements.h5")))
        XCTAssertEqual(d.format, "hdf5")
        XCTAssertEqual(d.category, .dataset)
        XCTAssertEqual(d.label, "HDF5 data file")
        XCTAssertEqual(d.summary.tensors, 2)
        XCTAssertEqual(d.summary.parameters, 12120)
        XCTAssertEqual(Set(d.summary.dtypes), ["float32", "float64"])
    }

    func testUserBlock() throws {
        // Same file behind a 512-byte user block: the superblock's base address says 512.
        var b = [UInt8](repeating: 0x41, count: 512) + fixture("positive/measurements.h5")
        XCTAssertEqual(b[512 + 24], 0)
        b[512 + 25] = 0x02  // base address = 512 (u64 LE at superblock + 24)
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(d.category, .dataset)
        XCTAssertEqual(d.summary.parameters, 12120)
        XCTAssertEqual(details(d)["user_block"], "512")
    }

    func testLatestFormatWithLinkMessages() throws {
        let d = try XCTUnwrap(found(memory(HDF5SnifferTests.latestFormat)))
        XCTAssertEqual(d.format, "hdf5")
        XCTAssertEqual(d.category, .dataset, "a group named layers alone is not Keras")
        XCTAssertEqual(d.summary.tensors, 2)
        XCTAssertEqual(d.summary.parameters, 10)
        XCTAssertEqual(Set(d.summary.dtypes), ["float32", "int16"])
    }

    func testOtherFilesAreNotMine() {
        assertNotMine(sniffInput("negative/random.bin"))
        assertNotMine(sniffInput("negative/noise.png"))
        assertNotMine(sniffInput("positive/tiny_mlp.onnx"))
        assertNotMine(memory([]))
        assertNotMine(memory(HDF5Sniffer.signature))
    }

    func testSignatureAloneIsNotEnough() {
        var g = SystemRandomNumberGenerator()
        for i in 0..<300 {
            var b = [UInt8](repeating: 0, count: 4096)
            for k in b.indices { b[k] = UInt8.random(in: 0...255, using: &g) }
            b.replaceSubrange(0..<8, with: HDF5Sniffer.signature)
            b[8] = UInt8(i % 4)  // a valid superblock version
            assertNotMine(memory(b))
        }
        // Signature at an offset that is not 0 or a power of two >= 512.
        let shifted = [UInt8](repeating: 0, count: 100) + fixture("positive/measurements.h5")
        assertNotMine(memory(shifted))
        // Unknown superblock version.
        var v4 = fixture("positive/measurements.h5")
        v4[8] = 4
        assertNotMine(memory(v4))
    }

    func testTruncatedFilesDoNotTrapAndStayDatasets() {
        let whole = fixture("positive/measurements.h5")
        for cut in [8, 64, 200, 1000, 2000, 5000, 9000, whole.count - 1] {
            if case .found(let d) = sniffer.sniff(memory(Array(whole.prefix(cut)))) {
                XCTAssertEqual(d.category, .dataset)
            }
        }
        let keras = fixture("positive/tiny_mlp_legacy.h5")
        for cut in [1200, 3000, 8000, 12000] {
            if case .found(let d) = sniffer.sniff(memory(Array(keras.prefix(cut)))) {
                XCTAssertEqual(d.format, "hdf5-keras")
            }
        }
    }

    func testCorruptedMetadataDoesNotTrap() {
        var g = SystemRandomNumberGenerator()
        for name in ["positive/tiny_mlp_legacy.h5", "positive/tiny_mlp.weights.h5"] {
            let original = fixture(name)
            for _ in 0..<300 {
                var b = original
                for _ in 0..<16 {
                    let i = Int.random(in: 0..<min(b.count, 12_000), using: &g)
                    b[i] = UInt8.random(in: 0...255, using: &g)
                }
                _ = sniffer.sniff(memory(b))
            }
        }
        var b = HDF5SnifferTests.latestFormat
        for _ in 0..<300 {
            var m = b
            for _ in 0..<8 { m[Int.random(in: 0..<m.count, using: &g)] = UInt8.random(in: 0...255, using: &g) }
            _ = sniffer.sniff(memory(m))
        }
        b = []
    }

    func testLargeAddressesAreRejected() {
        // Root object header address far beyond the file.
        var b = fixture("positive/measurements.h5")
        for k in 0..<8 { b[64 + k] = 0x7F }
        assertNotMine(memory(b))
    }
}
