import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class TorchLegacySnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TorchLegacySniffer()

    func memory(_ bytes: [UInt8], _ name: String = "model.pth") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    /// Protocol 2: PROTO 2, LONG1 of the magic number, STOP.
    static let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    // MARK: what it must find

    func testLegacyFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "pytorch-legacy" }
        XCTAssertEqual(Set(truths.map(\.file)), ["positive/legacy_state_dict.pth", "positive/legacy_state_dict_p4.pth"])
        for t in truths {
            guard let d = found(sniffInput(t.file)) else { continue }
            XCTAssertEqual(d.format, t.format, t.file)
            XCTAssertEqual(d.category.rawValue, t.category, t.file)
            XCTAssertEqual(d.label, "PyTorch model weights", t.file)
            XCTAssertEqual(d.summary.tensors, t.tensors, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(d.summary.dtypes, t.dtypes ?? [], t.file)
            XCTAssertTrue(d.problems.isEmpty, "\(t.file): \(d.problems)")
            // torch writes protocol version 1001 after the magic.
            XCTAssertEqual(details(d)["protocol_version"], "1001", t.file)
        }
    }

    func testTheZipFormatIsNotLegacy() {
        for name in ["positive/pytorch_model.bin", "positive/optimizer.pt", "positive/checkpoint-500/training_state.pt"] {
            assertNotMine(sniffInput(name))
        }
    }

    // MARK: damaged files

    func testLegacyMagicWithGarbageIsNotMine() {
        XCTAssertTrue(pickleNotMine(pickleSniff(sniffer, TorchLegacySnifferTests.magic + [0xFF, 0xFF, 0xFF])))
        XCTAssertTrue(pickleNotMine(pickleSniff(sniffer, TorchLegacySnifferTests.magic)))
        // One byte of the magic wrong.
        let legacy = fixture("positive/legacy_state_dict.pth")
        var wrong = legacy
        wrong[5] ^= 1
        XCTAssertTrue(pickleNotMine(pickleSniff(sniffer, wrong)))
        XCTAssertNotNil(pickleDetection(pickleSniff(sniffer, legacy)))
        // Truncated right after sys_info.
        let cut = Array(legacy.prefix(200))
        XCTAssertTrue(pickleNotMine(pickleSniff(sniffer, cut)))
    }

    func testWrongFrameOrProtocol() {
        let p4 = fixture("positive/legacy_state_dict_p4.pth")
        var frame = p4
        frame[3] = 0x0E  // a frame of 14 bytes around the 13-byte magic pickle
        assertNotMine(memory(frame))
        for proto: UInt8 in [0, 1, 6] {
            var b = fixture("positive/legacy_state_dict.pth")
            b[1] = proto
            assertNotMine(memory(b))
        }
        // Protocol 3 is written like protocol 2.
        var p3 = fixture("positive/legacy_state_dict.pth")
        p3[1] = 3
        XCTAssertNotNil(found(memory(p3)))
    }

    func testVersionAndSysInfoMustBeWellFormed() {
        // Magic, then no STOP after the protocol version.
        assertNotMine(memory(TorchLegacySnifferTests.magic + [0x80, 0x02, 0x4D, 0xE9, 0x03] + [UInt8](repeating: 0, count: 64)))
        // Magic, version, then a sys_info that is not a pickle.
        assertNotMine(memory(TorchLegacySnifferTests.magic + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] + Array("hello, world".utf8)))
        // Magic, version, sys_info, and an object pickle holding no tensors.
        let empty: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]
        assertNotMine(memory(TorchLegacySnifferTests.magic + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] + empty + empty))
    }

    func testTruncatedObjectPickle() {
        let whole = fixture("positive/legacy_state_dict_p4.pth")
        // Never a trap; when found, the counts never exceed the whole file's.
        for cut in stride(from: 300, to: whole.count, by: 97) {
            if case .found(let d) = sniffer.sniff(memory(Array(whole.prefix(cut)))) {
                XCTAssertLessThanOrEqual(d.summary.parameters ?? 0, 4586, "cut \(cut)")
                XCTAssertLessThanOrEqual(d.summary.tensors ?? 0, 8, "cut \(cut)")
            }
        }
    }

    func testCorruptedFixturesDoNotTrap() {
        var g = SystemRandomNumberGenerator()
        for name in ["positive/legacy_state_dict.pth", "positive/legacy_state_dict_p4.pth"] {
            let original = fixture(name)
            for _ in 0..<200 {
                var b = original
                for _ in 0..<4 { b[Int.random(in: 30..<min(b.count, 4000), using: &g)] = UInt8.random(in: 0...255, using: &g) }
                _ = sniffer.sniff(memory(b))
            }
        }
    }

    // MARK: what it must not find

    func testNegativesAreNotMine() {
        for file in ["negative/model.pt", "negative/docs.zip", "negative/plain_dict.pkl", "negative/settings.json", "negative/random.bin",
                     "positive/weights_p2.pkl", "positive/weights_p4.pkl", "negative/lfs/pytorch_model.bin"] {
            assertNotMine(sniffInput(file))
        }
    }
}
