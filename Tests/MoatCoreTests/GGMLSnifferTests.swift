import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class GGMLSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = GGMLSniffer()

    /// The hyperparameters generate.py packed into ggml-model-f16.bin (manifest `ggml_hparams`).
    struct HParams: Decodable {
        var n_vocab, n_embd, n_mult, n_head, n_layer, n_rot, ftype: Int
    }
    struct Entry: Decodable {
        var file: String
        var format: String
        var ggml_hparams: HParams?
    }

    func memory(_ bytes: [UInt8], _ name: String = "ggml-model.bin") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    static func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }

    /// A header: magic (as the u32 LE llama.cpp writes), optional version, then LLaMA hyperparameters.
    static func header(magic: String, version: UInt32?, vocab: UInt32 = 32000, embd: UInt32 = 4096, head: UInt32 = 32,
                       layers: UInt32 = 32) -> [UInt8] {
        var b = u32(Array(magic.utf8).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })  // "ggjt" is stored "tjgg"
        if let version { b += u32(version) }
        b += [vocab, embd, 256, head, layers, 128, 1].flatMap(u32)
        return b + [UInt8](repeating: 0, count: 64)
    }

    func testFixtureMatchesTheManifestHyperparameters() throws {
        let data = try Data(contentsOf: fixturesRoot.appendingPathComponent("manifest.json"))
        let entries = try JSONDecoder().decode([Entry].self, from: data).filter { $0.format == "ggml" }
        XCTAssertEqual(entries.count, 1)
        for e in entries {
            let hp = try XCTUnwrap(e.ggml_hparams)
            let d = try XCTUnwrap(found(sniffInput(e.file)))
            XCTAssertEqual(d.format, "ggml")
            XCTAssertEqual(d.category, .modelWeights)
            XCTAssertEqual(d.label, "GGML model (ggjt)")
            XCTAssertEqual(details(d)["magic"], "ggjt")
            XCTAssertEqual(details(d)["version"], "3")
            XCTAssertEqual(details(d)["n_vocab"], String(hp.n_vocab))
            XCTAssertEqual(details(d)["n_embd"], String(hp.n_embd))
            XCTAssertEqual(details(d)["n_layer"], String(hp.n_layer))
            // These are LLaMA-7B's hyperparameters; the real model has 6,738,415,616 parameters.
            let p = try XCTUnwrap(d.summary.parameters)
            XCTAssertLessThan(abs(Double(p) / 6_738_415_616 - 1), 0.02, "estimate \(p)")
            XCTAssertTrue(d.summary.notes.contains { $0.contains("estimated") })
        }
    }

    func testEveryMagic() throws {
        let ggml = try XCTUnwrap(found(memory(GGMLSnifferTests.header(magic: "ggml", version: nil))))
        XCTAssertEqual(details(ggml)["magic"], "ggml")
        XCTAssertNil(details(ggml)["version"])
        XCTAssertEqual(details(ggml)["n_vocab"], "32000")

        let ggmf = try XCTUnwrap(found(memory(GGMLSnifferTests.header(magic: "ggmf", version: 1, vocab: 50_000, embd: 2048, head: 16, layers: 24))))
        XCTAssertEqual(ggmf.label, "GGML model (ggmf)")
        XCTAssertEqual(details(ggmf)["version"], "1")
        XCTAssertEqual(details(ggmf)["n_embd"], "2048")
        XCTAssertEqual(details(ggmf)["n_layer"], "24")

        // ggla (LoRA): version, then r and alpha.
        let lora = GGMLSnifferTests.u32(0x6767_6C61) + GGMLSnifferTests.u32(1) + GGMLSnifferTests.u32(8) + GGMLSnifferTests.u32(16)
        let d = try XCTUnwrap(found(memory(lora)))
        XCTAssertEqual(d.label, "GGML model (ggla)")
        XCTAssertTrue(d.summary.notes.contains("LoRA adapter (r=8)"), "\(d.summary.notes)")
        XCTAssertNil(d.summary.parameters)
    }

    func testBadVersionsAndHyperparameters() {
        for v: UInt32 in [0, 4, 0xFFFF_FFFF] { assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: v))) }
        assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: 3, vocab: 999)))
        assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: 3, vocab: 1_000_001)))
        assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: 3, embd: 63)))
        assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: 3, head: 0)))
        assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: 3, head: 1025)))
        assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: 3, layers: 0)))
        assertNotMine(memory(GGMLSnifferTests.header(magic: "ggjt", version: 3, embd: 4096, head: 48)))  // n_embd not a multiple of n_head
        // ggla with r = 0 or absurd.
        for r: UInt32 in [0, 4097] {
            assertNotMine(memory(GGMLSnifferTests.u32(0x6767_6C61) + GGMLSnifferTests.u32(1) + GGMLSnifferTests.u32(r)))
        }
    }

    func testTruncatedFixture() {
        let whole = fixture("positive/ggml-model-f16.bin")
        // The hyperparameters end at byte 28 (magic, version, 5 of the 7 values are checked).
        for cut in [0, 3, 4, 8, 20, 27] { assertNotMine(memory(Array(whole.prefix(cut)))) }
        if case .found(let d) = sniffer.sniff(memory(Array(whole.prefix(28)))) {
            XCTAssertEqual(details(d)["n_vocab"], "32000")
        } else {
            XCTFail("the full header alone is enough")
        }
    }

    func testLookAlikesAreNotMine() {
        // Text starting with the magic's letters in reading order (the file stores them reversed).
        for text in ["ggml is a tensor library\n", "ggjt\n", "lmgg lmgg lmgg lmgg lmgg lmgg lmgg lmgg\n"] {
            assertNotMine(memory(Array(text.utf8)))
        }
        for name in ["negative/random.bin", "negative/tiny_elf_binary", "negative/tokens_int32.bin", "positive/tiny-llama.gguf",
                     "negative/lfs/pytorch_model.bin"] {
            assertNotMine(sniffInput(name))
        }
        var g = SystemRandomNumberGenerator()
        for magic in ["ggml", "ggmf", "ggjt"] {
            for _ in 0..<100 {
                var b = GGMLSnifferTests.header(magic: magic, version: 1)
                for i in 8..<b.count { b[i] = UInt8.random(in: 0...255, using: &g) }
                if magic == "ggml" { for i in 4..<8 { b[i] = UInt8.random(in: 0...255, using: &g) } }
                assertNotMine(memory(b))
            }
        }
    }
}
