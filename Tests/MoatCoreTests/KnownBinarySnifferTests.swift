import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class KnownBinarySnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = KnownBinarySniffer()

    func memory(_ bytes: [UInt8], _ name: String = "file.bin") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    func benignReason(_ input: SniffInput) -> String? {
        if case .benign(let why) = sniffer.sniff(input) { return why.description }
        return nil
    }

    func testOrdinaryBinaryFixtures() {
        // Each negative fixture, and a word the sniffer's reason must contain.
        let expected = [
            "negative/tiny_elf_binary": "ELF", "negative/noise.png": "PNG", "negative/noise.jpg": "JPEG",
            "negative/document.pdf": "PDF", "negative/app.sqlite": "SQLite", "negative/add.wasm": "WebAssembly",
            "negative/notes.txt.gz": "gzip", "negative/notes.txt.xz": "xz", "negative/tone.wav": "WAV",
            "negative/docs.zip": "zip",
        ]
        for (file, word) in expected {
            let why = benignReason(sniffInput(file))
            XCTAssertTrue(why?.contains(word) == true, "\(file): \(String(describing: why))")
        }
    }

    func testMagicsAtAnOffset() {
        // tar: "ustar" at 257; ISO media: "ftyp" at 4.
        var tar = [UInt8](repeating: 0, count: 512)
        tar.replaceSubrange(257..<262, with: Array("ustar".utf8))
        XCTAssertEqual(benignReason(memory(tar)), "tar archive")
        let mp4: [UInt8] = [0, 0, 0, 0x20] + Array("ftypisom".utf8) + [UInt8](repeating: 0, count: 20)
        XCTAssertEqual(benignReason(memory(mp4)), "ISO media (MP4, MOV, HEIC)")
        // The same magics at offset 0 are not them.
        assertNotMine(memory(Array("ustar".utf8) + [UInt8](repeating: 0, count: 600)))
        assertNotMine(memory(Array("ftypisom".utf8) + [UInt8](repeating: 0, count: 20)))
    }

    func testPartialMagicsAreNotMine() {
        for b: [UInt8] in [[0x7F, 0x45, 0x4C], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A], Array("%PDF".utf8), Array("SQLite format 3".utf8),
                           [0x1F, 0x8B, 0x07], [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x01], [0x50, 0x4B, 0x05, 0x06], [], [0xFF, 0xD8]] {
            assertNotMine(memory(b))
        }
    }

    func testModelsThatAreNotZipsAreNotMine() throws {
        // Zip-based model formats (torch, keras, npz) start like any zip and are claimed earlier in the
        // registry; every other positive fixture must pass through untouched.
        let truths = try PickleFixtureTruth.load().filter { $0.expect == "finding" }
        var checked = 0
        for t in truths {
            let b = fixture(t.file)
            if b.starts(with: [0x50, 0x4B, 0x03, 0x04]) { continue }
            checked += 1
            if let why = benignReason(memory(b)) { XCTFail("\(t.file) taken for \(why)") }
        }
        XCTAssertGreaterThan(checked, 25)
    }

    func testTextAndDataAreNotMine() {
        for name in ["negative/settings.json", "negative/train_utils.py", "negative/random.bin", "negative/tokens_int32.bin",
                     "negative/lfs/model.safetensors", "negative/readme_utf16.txt"] {
            assertNotMine(sniffInput(name))
        }
    }

    func testRegistryOrderKeepsZipModelsAheadOfTheZipMagic() {
        let names = SnifferRegistry.all.map(\.id)
        let known = names.firstIndex(of: "known-binary") ?? -1
        for id in ["pytorch-zip", "numpy-npz", "keras-v3", "safetensors", "gguf", "lfs-pointer"] {
            XCTAssertLessThan(names.firstIndex(of: id) ?? Int.max, known, id)
        }
        XCTAssertEqual(names.last, "raw-tensor")
    }
}
