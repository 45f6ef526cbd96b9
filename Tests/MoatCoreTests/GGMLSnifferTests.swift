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
            // LLaMA-7B's hyperparameters in a 4 KB file: the count is capped by what 4 KB can hold
            // (f16: 2 bytes a parameter), never the 6.7B the header describes.
            let p = try XCTUnwrap(d.summary.parameters)
            let size = try XCTUnwrap(sniffInput(e.file).size)
            XCTAssertLessThanOrEqual(p, size / 1)
            XCTAssertTrue(d.summary.notes.contains { $0.contains("6.7B") && $0.contains("can hold at most") }, "\(d.summary.notes)")
            XCTAssertFalse(d.problems.isEmpty)
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

    // MARK: - Files laid out as whisper.cpp's and llama.cpp's converters write them

    /// Writes a ggml model: `header` bytes, then each tensor's header (n_dims, name length, type,
    /// dims innermost first, name; ggjt pads to 32) with its data skipped (a sparse file), so a
    /// 150 MB model costs no disk. Returns the parameters written.
    static func writeModel(_ url: URL, header: [UInt8], tensors: [(String, [Int], Int)], aligned: Bool) throws -> Int {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let h = try FileHandle(forWritingTo: url)
        defer { try? h.close() }
        try h.write(contentsOf: header)
        var offset = header.count, parameters = 0
        for (name, dims, type) in tensors {
            var record = u32(UInt32(dims.count)) + u32(UInt32(name.utf8.count)) + u32(UInt32(type))
            for d in dims.reversed() { record += u32(UInt32(d)) }
            record += Array(name.utf8)
            try h.seek(toOffset: UInt64(offset))
            try h.write(contentsOf: record)
            offset += record.count
            if aligned { offset += (32 - offset % 32) % 32 }
            let n = dims.reduce(1, *)
            parameters += n
            offset += try XCTUnwrap(GGMLSniffer.dataBytes(type: type, elements: n))
        }
        try h.truncate(atOffset: UInt64(offset))
        return parameters
    }

    /// whisper.cpp's header: magic, 11 hyperparameters, mel filters, vocabulary (51,864 tokens).
    static func whisperHeader(state: Int, heads: Int, layers: Int, vocab: Int = 51_864, mels: Int = 80) -> [UInt8] {
        var b = u32(0x6767_6D6C)
        b += [vocab, 1500, state, heads, layers, 448, state, heads, layers, mels, 1].flatMap { u32(UInt32($0)) }
        b += u32(UInt32(mels)) + u32(201) + [UInt8](repeating: 0x3C, count: mels * 201 * 4)
        b += u32(UInt32(vocab))
        for i in 0..<vocab { let t = Array("tok\(i)".utf8); b += u32(UInt32(t.count)) + t }
        return b
    }

    /// The tensors of a Whisper model of width `d` (OpenAI's names and shapes; f16 matrices, f32 vectors).
    static func whisperTensors(d: Int, layers: Int, vocab: Int = 51_864, mels: Int = 80) -> [(String, [Int], Int)] {
        var t: [(String, [Int], Int)] = [("encoder.conv1.weight", [d, mels, 3], 1), ("encoder.conv1.bias", [d], 0),
                                         ("encoder.conv2.weight", [d, d, 3], 1), ("encoder.conv2.bias", [d], 0),
                                         ("encoder.positional_embedding", [1500, d], 0)]
        func block(_ p: String, cross: Bool) {
            for a in ["attn"] + (cross ? ["cross_attn"] : []) {
                for m in ["query", "key", "value", "out"] {
                    t.append(("\(p).\(a).\(m).weight", [d, d], 1))
                    if m != "key" { t.append(("\(p).\(a).\(m).bias", [d], 0)) }
                }
                t += [("\(p).\(a)_ln.weight", [d], 0), ("\(p).\(a)_ln.bias", [d], 0)]
            }
            t += [("\(p).mlp.0.weight", [4 * d, d], 1), ("\(p).mlp.0.bias", [4 * d], 0), ("\(p).mlp.2.weight", [d, 4 * d], 1),
                  ("\(p).mlp.2.bias", [d], 0), ("\(p).mlp_ln.weight", [d], 0), ("\(p).mlp_ln.bias", [d], 0)]
        }
        for i in 0..<layers { block("encoder.blocks.\(i)", cross: false) }
        t += [("encoder.ln_post.weight", [d], 0), ("encoder.ln_post.bias", [d], 0),
              ("decoder.token_embedding.weight", [vocab, d], 1), ("decoder.positional_embedding", [448, d], 0)]
        for i in 0..<layers { block("decoder.blocks.\(i)", cross: true) }
        t += [("decoder.ln.weight", [d], 0), ("decoder.ln.bias", [d], 0)]
        return t
    }

    func file(_ url: URL) throws -> SniffInput { SniffInput(path: PathBytes(url.lastPathComponent), source: try FileByteSource(path: PathBytes(url.path))) }

    func testWhisperTestStubIsAnAssetNotWeights() throws {
        // whisper.cpp's for-tests-ggml-*.bin: hyperparameters, mel filters, vocabulary, no tensors
        // (575 KB). Read with the LLaMA layout they used to block as hundreds of millions of parameters.
        for (state, heads, layers) in [(384, 6, 4), (512, 8, 6), (1024, 16, 24)] {
            let d = try XCTUnwrap(found(memory(Self.whisperHeader(state: state, heads: heads, layers: layers), "for-tests-ggml-base.bin")))
            XCTAssertEqual(d.category, .modelAsset, "\(state)")
            XCTAssertEqual(d.label, "GGML Whisper model header without tensors")
            XCTAssertNil(d.summary.parameters)
            XCTAssertEqual(SeverityPolicy().severity(category: d.category, summary: d.summary, size: 575_000), .info)
        }
    }

    func testWhisperModelsOfEveryWidthAreCountedFromTheirTensors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-ggml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // tiny (n_audio_head 6), base (8: 1500 is not a multiple of 8) and medium (16).
        for (state, heads, layers, size) in [(384, 6, 4, "tiny"), (512, 8, 6, "base"), (1024, 16, 24, "medium")] {
            let url = dir.appendingPathComponent("ggml-\(size).bin")
            let written = try Self.writeModel(url, header: Self.whisperHeader(state: state, heads: heads, layers: layers),
                                              tensors: Self.whisperTensors(d: state, layers: layers), aligned: false)
            let d = try XCTUnwrap(found(try file(url)), size)
            XCTAssertEqual(d.category, .modelWeights)
            XCTAssertEqual(d.summary.architecture, "Whisper (\(size))")
            XCTAssertEqual(d.summary.parameters, written, size)
            XCTAssertEqual(d.summary.tensors, Self.whisperTensors(d: state, layers: layers).count)
            // OpenAI's published sizes: tiny 39M, base 74M, medium 769M.
            let published = ["tiny": 39e6, "base": 74e6, "medium": 769e6][size]!
            XCTAssertLessThan(abs(Double(written) / published - 1), 0.05, "\(size): \(written)")
            // The estimate, used when the walk cannot finish, agrees with the count.
            let hp = [51_864, 1500, state, heads, layers, 448, state, heads, layers, 80, 1]
            XCTAssertLessThan(abs(Double(GGMLSniffer.whisperParameters(hp)) / Double(written) - 1), 0.05, size)
        }
    }

    func testLlamaGGJTTensorsAreCountedAndTheCountNeverExceedsTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-ggjt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var header = Self.u32(0x6767_6A74) + Self.u32(3) + [32000, 512, 256, 8, 4, 64, 2].flatMap { Self.u32(UInt32($0)) }
        for i in 0..<32000 { let t = Array("t\(i)".utf8); header += Self.u32(UInt32(t.count)) + t + [0, 0, 0, 0] }
        var tensors: [(String, [Int], Int)] = [("tok_embeddings.weight", [32000, 512], 2)]
        for i in 0..<4 {
            for w in ["wq", "wk", "wv", "wo"] { tensors.append(("layers.\(i).attention.\(w).weight", [512, 512], 2)) }
            tensors.append(("layers.\(i).attention_norm.weight", [512], 0))
        }
        tensors.append(("output.weight", [32000, 512], 8))
        let url = dir.appendingPathComponent("ggml-model-q4_0.bin")
        let written = try Self.writeModel(url, header: header, tensors: tensors, aligned: true)
        let d = try XCTUnwrap(found(try file(url)))
        XCTAssertEqual(d.summary.parameters, written)
        XCTAssertEqual(d.summary.tensors, tensors.count)
        // Cut the file: the walk cannot finish, and the estimate is capped by what is left.
        let cut = try FileHandle(forWritingTo: url)
        try cut.truncate(atOffset: UInt64(header.count + 100_000))
        try cut.close()
        let c = try XCTUnwrap(found(try file(url)))
        XCTAssertLessThanOrEqual(try XCTUnwrap(c.summary.parameters), 100_000 * 2)
        XCTAssertFalse(c.problems.isEmpty)
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
