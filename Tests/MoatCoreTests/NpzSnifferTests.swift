import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class NpzSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = NpzSniffer()

    func memory(_ bytes: [UInt8], _ name: String = "arrays.npz") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    static func f4(_ shape: String, count: Int) -> [UInt8] {
        npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }", dataBytes: 4 * count)
    }

    // MARK: what it must find

    func testFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "numpy-npz" && $0.category != "model-asset" }
        XCTAssertEqual(Set(truths.map(\.file)), ["positive/weights_stored.npz", "positive/weights_compressed.npz"])
        for t in truths {
            guard let d = found(sniffInput(t.file)) else { continue }
            XCTAssertEqual(d.format, "numpy-npz", t.file)
            XCTAssertEqual(d.category.rawValue, t.category, t.file)
            XCTAssertEqual(d.label, "model weights (NumPy archive)", t.file)
            XCTAssertEqual(d.summary.tensors, t.tensors, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(d.summary.dtypes, t.dtypes ?? [], t.file)
            XCTAssertEqual(d.summary.tensorBytes, 4 * (t.parameters ?? 0), t.file)
            XCTAssertTrue(d.summary.notes.isEmpty, "\(t.file): every member read: \(d.summary.notes)")
        }
    }

    func testFilterBanksAreConstantsNotADump() throws {
        // whisper's mel_filters.npz: 80 and 128 x 201 float32, 98% zeros, non-negative.
        let d = try XCTUnwrap(found(sniffInput("negative/signals/mel_filters.npz")))
        XCTAssertEqual(d.category, .modelAsset)
        XCTAssertEqual(d.label, "NumPy archive of constants")
        XCTAssertEqual(SeverityPolicy().severity(category: d.category, summary: d.summary, size: 4_272), .info)
        // Trained weights stay weights, sparse gradients (both signs) stay a dump.
        XCTAssertEqual(found(sniffInput("positive/weights_compressed.npz"))?.category, .modelWeights)
    }

    func testHandMadeArchives() throws {
        // Anonymous float arrays (savez's arr_0, arr_1): a tensor dump.
        let anonymous = try XCTUnwrap(found(memory(torchZip([("arr_0.npy", NpzSnifferTests.f4("(2, 3)", count: 6)),
                                                               ("arr_1.npy", NpzSnifferTests.f4("(5,)", count: 5))]))))
        XCTAssertEqual(anonymous.category, .tensorDump)
        XCTAssertEqual(anonymous.label, "NumPy archive")
        XCTAssertEqual(anonymous.summary.tensors, 2)
        XCTAssertEqual(anonymous.summary.parameters, 11)

        // Integers only: a dataset.
        let ints = npyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (10,), }", dataBytes: 40)
        let labels = try XCTUnwrap(found(memory(torchZip([("labels.npy", ints)]))))
        XCTAssertEqual(labels.category, .dataset)
        XCTAssertEqual(labels.summary.dtypes, ["int32"])

        // Adam slots by name.
        let adam = try XCTUnwrap(found(memory(torchZip([("fc.exp_avg.npy", NpzSnifferTests.f4("(4,)", count: 4)),
                                                        ("fc.exp_avg_sq.npy", NpzSnifferTests.f4("(4,)", count: 4))]))))
        XCTAssertEqual(adam.category, .optimizerState)
        XCTAssertEqual(adam.summary.optimizer, "Adam-family")
    }

    func testUnreadableMembersAreCountedButNotParsed() throws {
        // One good member, one whose content is not an .npy header.
        let d = try XCTUnwrap(found(memory(torchZip([("weight.npy", NpzSnifferTests.f4("(3,)", count: 3)),
                                                     ("bias.npy", Array("not numpy".utf8))]))))
        XCTAssertEqual(d.summary.tensors, 2)
        XCTAssertEqual(d.summary.parameters, 3)
        XCTAssertTrue(d.summary.notes.contains("1 of 2 members read"), "\(d.summary.notes)")
    }

    // MARK: damaged files

    func testTruncatedArchivesAreReadFromTheirLocalHeaders() throws {
        // Without the central directory the local headers in the head are walked: what is found
        // never exceeds the whole archive, and a cut inside the first header is nothing.
        for name in ["positive/weights_stored.npz", "positive/weights_compressed.npz"] {
            let whole = fixture(name)
            assertNotMine(memory(Array(whole.prefix(30))))
            for cut in [1000, whole.count / 2, whole.count - 10] {
                let d = try XCTUnwrap(found(memory(Array(whole.prefix(cut)))), "\(name) cut \(cut)")
                XCTAssertLessThanOrEqual(d.summary.parameters ?? 0, 12448)
                // dense_0_kernel.npy holds 32768 bytes of float32 behind its 128-byte header (unzip -l).
                XCTAssertGreaterThanOrEqual(d.summary.parameters ?? 0, 8192, "the first member's header is in the head")
                XCTAssertEqual(d.summary.dtypes, ["float32"])
            }
        }
    }

    func testCorruptedCompressedMembersDoNotTrap() {
        var g = SystemRandomNumberGenerator()
        let original = fixture("positive/weights_compressed.npz")
        for _ in 0..<200 {
            var b = original
            // Damage the start of the first member's deflate stream (its local header is 30 + name bytes).
            for _ in 0..<3 { b[Int.random(in: 48..<200, using: &g)] = UInt8.random(in: 0...255, using: &g) }
            if case .found(let d) = sniffer.sniff(memory(b)) {
                XCTAssertEqual(d.format, "numpy-npz")
                XCTAssertEqual(d.summary.tensors, 4, "the count comes from the intact central directory")
            }
        }
    }

    // MARK: what it must not find

    func testZipsThatAreNotNpz() {
        for name in ["negative/docs.zip", "positive/tiny_mlp.keras", "positive/pytorch_model.bin", "negative/random.bin",
                     "positive/embeddings.npy", "negative/lfs/model.safetensors"] {
            assertNotMine(sniffInput(name))
        }
        // Mixed members, no members, and .npy names over content that is not numpy.
        assertNotMine(memory(torchZip([("a.npy", NpzSnifferTests.f4("(2,)", count: 2)), ("README.txt", Array("hi".utf8))])))
        assertNotMine(memory(torchZip([])))
        assertNotMine(memory(torchZip([("a.npy", Array("hello".utf8)), ("b.npy", [UInt8](repeating: 0x93, count: 200))])))
    }
}

// MARK: hostile input (issue 9)

extension NpzSnifferTests {
    func testZip64LocalHeaderWithHugeSizesAndNoCentralDirectory() {
        // A local header whose sizes are 0xFFFFFFFF, with a zip64 extra field of 0xFFFF... sizes, and
        // no central directory: `dataStart + compressedSize` overflowed in the local-header walk.
        let name = Array("a.npy".utf8)
        let extra: [UInt8] = [0x01, 0x00, 0x10, 0x00] + [UInt8](repeating: 0xFF, count: 16)
        var b: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x2D, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
        b += [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        b += [UInt8(name.count), 0, UInt8(extra.count), 0] + name + extra
        b += NpzSnifferTests.f4("(2,)", count: 2)
        let input = memory(b)
        let zip = input.zip
        XCTAssertEqual(zip?.entries.count, 1)
        XCTAssertEqual(zip?.entries.first?.compressedSize, Int.max)
        _ = sniffer.sniff(input)
        for s in SnifferRegistry.all { _ = s.sniff(memory(b)) }
    }
}
