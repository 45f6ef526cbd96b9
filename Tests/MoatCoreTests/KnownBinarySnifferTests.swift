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
        // Zip-based model formats (torch, keras, npz) start like any zip, and WebDataset shards and
        // GZIP TFRecords and archives holding weights are tar and gzip files: all are claimed earlier in the registry; every other
        // positive fixture must pass through untouched.
        let truths = try PickleFixtureTruth.load().filter { $0.expect == "finding" }
        var checked = 0
        for t in truths {
            let b = fixture(t.file)
            if b.starts(with: [0x50, 0x4B, 0x03, 0x04]) || t.format == "webdataset" || t.format == "archive"
                || (t.format == "tfrecord" && b.starts(with: [0x1F, 0x8B])) { continue }
            checked += 1
            if let why = benignReason(memory(b)) { XCTFail("\(t.file) taken for \(why)") }
        }
        XCTAssertGreaterThan(checked, 25)
    }

    func testPythonBytecode() throws {
        // A 3.11 .pyc header (magic 3495, flags 0, mtime, size) and a code object; then its 3.6 form.
        let pyc: [UInt8] = [0xA7, 0x0D, 0x0D, 0x0A, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0xE3] + [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(benignReason(memory(pyc)), "Python bytecode")
        let old: [UInt8] = [0x33, 0x0D, 0x0D, 0x0A, 1, 2, 3, 4, 5, 0, 0, 0, 0xE3] + [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(benignReason(memory(old)), "Python bytecode")
        var notCode = pyc
        notCode[16] = 0x29
        XCTAssertNil(benignReason(memory(notCode)))
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

// MARK: short magics met by chance (issue 9)

extension KnownBinarySnifferTests {
    /// Float32 values whose first bytes happen to be a short magic.
    func floatDump(startingWith magic: [UInt8], count: Int = 4096) -> [UInt8] {
        var b: [UInt8] = []
        var x: UInt32 = 0x1234_5678
        for _ in 0..<count {
            x = x &* 1_664_525 &+ 1_013_904_223
            let v = Float(Int32(bitPattern: x) >> 8) / Float(1 << 26)
            withUnsafeBytes(of: v.bitPattern.littleEndian) { b += $0 }
        }
        b.replaceSubrange(0..<magic.count, with: magic)
        return b
    }

    func testAFloatDumpStartingWithMZIsNotAnExecutable() throws {
        // A real float32 weights dump whose first value happens to start with 4D 5A.
        var dump = fixture("positive/weights_fc1.f32.bin")
        XCTAssertGreaterThan(dump.count, 4096)
        dump.replaceSubrange(0..<2, with: ascii("MZ"))
        XCTAssertNil(benignReason(memory(dump)), "MZ alone is not a PE file")
        // The whole detector reports it as the tensor dump it is.
        guard case .finding(let f) = ArtifactDetector().examine(path: PathBytes("w.bin"), source: MemoryByteSource(dump)) else {
            return XCTFail("a weights dump starting with 4D 5A was not reported")
        }
        XCTAssertEqual(f.format, "raw-float32")
        // A real PE header: e_lfanew at 0x3C points at PE\0\0.
        var pe = [UInt8](repeating: 0, count: 512)
        pe.replaceSubrange(0..<2, with: ascii("MZ"))
        pe.replaceSubrange(0x3C..<0x40, with: [0x80, 0, 0, 0])
        pe.replaceSubrange(0x80..<0x84, with: [0x50, 0x45, 0, 0])
        XCTAssertEqual(benignReason(memory(pe)), "Windows executable")
        pe[0x3C] = 0xF0  // pointing elsewhere
        XCTAssertNil(benignReason(memory(pe)))
    }

    func testOtherShortMagicsNeedTheirStructure() {
        for magic in [ascii("ID3"), ascii("BZh"), [0x1F, 0x8B, 0x08], [0xFF, 0xD8, 0xFF], [0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A],
                      [0x00, 0x01, 0x00, 0x00], ascii("OTTO"), ascii("wOFF"), ascii("GIF8"), ascii("PACK"), [0x00, 0x61, 0x73, 0x6D]] {
            // Random float bytes after the magic: the structure check fails.
            var dump = floatDump(startingWith: magic)
            dump.replaceSubrange(magic.count..<(magic.count + 12), with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
            XCTAssertNil(benignReason(memory(dump)), "\(magic)")
        }
        // Well-formed headers are still recognised.
        let id3: [UInt8] = ascii("ID3") + [4, 0, 0, 0, 0, 0x02, 0x01] + [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(benignReason(memory(id3)), "MP3 audio")
        let bz: [UInt8] = ascii("BZh9") + [0x31, 0x41, 0x59, 0x26, 0x53, 0x59] + [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(benignReason(memory(bz)), "bzip2 data")
        let ttf: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x80, 0x00, 0x03, 0x00, 0x20] + [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(benignReason(memory(ttf)), "TrueType font")
        var woff: [UInt8] = ascii("wOFF") + [0, 1, 0, 0] + [0, 0, 0, 0] + [UInt8](repeating: 0, count: 52)
        woff[11] = UInt8(woff.count)
        XCTAssertEqual(benignReason(memory(woff)), "WOFF font")
        let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0, 0, 0] + [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(benignReason(memory(tiff)), "TIFF image")
    }
}
