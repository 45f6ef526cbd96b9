import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

/// Little-endian GGUF pieces for hand-made files (`wide` false: version 1's 32-bit counts).
private struct GGUFBytes {
    var wide = true

    static func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    func count(_ v: Int) -> [UInt8] { GGUFBytes.le(UInt64(v), wide ? 8 : 4) }
    func string(_ s: String) -> [UInt8] { count(s.utf8.count) + Array(s.utf8) }
    func u32(_ v: UInt32) -> [UInt8] { GGUFBytes.le(UInt64(v), 4) }

    func stringKV(_ key: String, _ value: String) -> [UInt8] { string(key) + u32(8) + string(value) }
    func u32KV(_ key: String, _ value: UInt32) -> [UInt8] { string(key) + u32(4) + u32(value) }
    func tensor(_ name: String, _ dims: [UInt64], type: UInt32) -> [UInt8] {
        string(name) + u32(UInt32(dims.count)) + dims.flatMap { GGUFBytes.le($0, 8) } + u32(type) + GGUFBytes.le(0, 8)
    }
    func file(version: UInt32 = 3, kvs: [[UInt8]], tensors: [[UInt8]]) -> [UInt8] {
        Array("GGUF".utf8) + u32(version) + count(tensors.count) + count(kvs.count) + kvs.joined() + tensors.joined()
            + [UInt8](repeating: 0, count: 32)
    }
}

final class GGUFSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = GGUFSniffer()

    func memory(_ bytes: [UInt8], _ name: String = "model.gguf") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    // MARK: what it must find

    func testFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "gguf" }
        XCTAssertGreaterThanOrEqual(truths.count, 3)
        for t in truths {
            guard let d = found(sniffInput(t.file)) else { continue }
            XCTAssertEqual(d.format, "gguf", t.file)
            XCTAssertEqual(d.category.rawValue, t.category, t.file)
            XCTAssertEqual(d.summary.tensors, t.tensors, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(Set(d.summary.dtypes), Set(t.dtypes ?? []), t.file)
            XCTAssertTrue(d.problems.isEmpty, "\(t.file): \(d.problems)")
            XCTAssertEqual(details(d)["version"], "3", t.file)
        }
    }

    func testMetadataOfTheFixtures() throws {
        // What generate.py wrote with GGUFWriter.
        let llama = try XCTUnwrap(found(sniffInput("positive/tiny-llama.gguf")))
        XCTAssertEqual(llama.label, "GGUF model")
        XCTAssertEqual(llama.summary.architecture, "llama")
        XCTAssertEqual(details(llama)["general.name"], "moat tiny llama")
        XCTAssertEqual(details(llama)["general.file_type"], "7")
        XCTAssertEqual(details(llama)["vocabulary"], "64")

        let vocab = try XCTUnwrap(found(sniffInput("positive/vocab-only.gguf")))
        XCTAssertEqual(vocab.category, .modelAsset)
        XCTAssertEqual(vocab.label, "GGUF without tensors (vocabulary or metadata)")
        XCTAssertEqual(details(vocab)["vocabulary"], "1000")
    }

    func testVersionOneUsesThirtyTwoBitCounts() throws {
        let v1 = GGUFBytes(wide: false)
        let b = v1.file(version: 1, kvs: [v1.stringKV("general.architecture", "llama")],
                        tensors: [v1.tensor("w", [4, 8], type: 1), v1.tensor("b", [8], type: 0)])
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(details(d)["version"], "1")
        XCTAssertEqual(d.summary.tensors, 2)
        XCTAssertEqual(d.summary.parameters, 40)
        XCTAssertEqual(d.summary.dtypes, ["F16", "F32"])
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")
        // The same bytes read as version 3: the two 32-bit counts make one absurd 64-bit count.
        var asV3 = b
        asV3[4] = 3
        assertNotMine(memory(asV3))
    }

    func testArraysAndUnknownTensorTypes() throws {
        let g = GGUFBytes()
        // An array of strings, an array of arrays of u8, then a tensor of a type moat has no name for.
        let strings = g.string("tokenizer.ggml.merges") + g.u32(9) + g.u32(8) + g.count(2) + g.string("a b") + g.string("c d")
        let nested = g.string("x.nested") + g.u32(9) + g.u32(9) + g.count(2)
            + g.u32(0) + g.count(3) + [1, 2, 3] + g.u32(0) + g.count(1) + [4]
        let b = g.file(kvs: [g.stringKV("general.architecture", "qwen2"), strings, nested], tensors: [g.tensor("t", [5], type: 99)])
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(d.summary.architecture, "qwen2")
        XCTAssertEqual(d.summary.parameters, 5)
        XCTAssertEqual(d.summary.dtypes, ["type99"])
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")
    }

    func testTrainingAndAdapterKeys() throws {
        let g = GGUFBytes()
        let t = g.file(kvs: [g.stringKV("general.architecture", "llama"), g.u32KV("training.iteration_count", 10)],
                       tensors: [g.tensor("w", [2], type: 0)])
        let training = try XCTUnwrap(found(memory(t)))
        XCTAssertEqual(training.category, .trainingCheckpoint)
        XCTAssertEqual(training.label, "GGUF training checkpoint")

        let a = g.file(kvs: [g.stringKV("general.type", "adapter"), g.stringKV("adapter.type", "lora")], tensors: [g.tensor("w", [2], type: 0)])
        let adapter = try XCTUnwrap(found(memory(a)))
        XCTAssertEqual(adapter.category, .modelWeights)
        XCTAssertTrue(adapter.summary.notes.contains("LoRA/adapter"))
    }

    func testBigEndianIsRecognisedWithoutCounts() throws {
        let b = Array("GGUF".utf8) + [0, 0, 0, 3] + [UInt8](repeating: 0, count: 32)
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(d.label, "GGUF model (big-endian)")
        XCTAssertEqual(details(d)["version"], "3")
        XCTAssertNil(d.summary.tensors)
    }

    // MARK: damaged files

    func testTruncatedFixture() throws {
        let whole = fixture("positive/tiny-llama.gguf")
        // Too short for the counts.
        for cut in [0, 4, 15, 16, 23] { assertNotMine(memory(Array(whole.prefix(cut)))) }
        // Cut inside the metadata: found, with a problem, no parameter count.
        for cut in [100, 600, 1500] {
            let d = try XCTUnwrap(found(memory(Array(whole.prefix(cut)))), "cut \(cut)")
            XCTAssertEqual(d.summary.tensors, 12)
            XCTAssertNil(d.summary.parameters)
            XCTAssertEqual(d.problems.count, 1)
        }
        // Cut inside the tensor infos, just after the first tensor's name.
        let name = Array("token_embd.weight".utf8)
        let at = try XCTUnwrap((0..<(whole.count - name.count)).first { Array(whole[$0..<($0 + name.count)]) == name })
        let d = try XCTUnwrap(found(memory(Array(whole.prefix(at + name.count + 2)))))
        XCTAssertNil(d.summary.parameters)
        XCTAssertEqual(d.problems.count, 1)
    }

    func testCorruptedFixturesDoNotTrap() {
        var g = SystemRandomNumberGenerator()
        for name in ["positive/tiny-llama.gguf", "positive/vocab-only.gguf"] {
            let original = fixture(name)
            for _ in 0..<300 {
                var b = original
                for _ in 0..<4 { b[Int.random(in: 24..<4096, using: &g)] = UInt8.random(in: 0...255, using: &g) }
                if case .found(let d) = sniffer.sniff(memory(b)) { XCTAssertEqual(d.format, "gguf") }
            }
        }
    }

    // MARK: what it must not find

    func testBadVersions() {
        var b = fixture("positive/tiny-llama.gguf")
        for v: [UInt8] in [[0, 0, 0, 0], [4, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 4], [3, 0, 0, 3]] {
            b.replaceSubrange(4..<8, with: v)
            assertNotMine(memory(b))
        }
    }

    func testImplausibleCountsAndKeys() {
        let g = GGUFBytes()
        // Ten million tensors, a million keys.
        assertNotMine(memory(Array("GGUF".utf8) + g.u32(3) + g.count(10_000_000) + g.count(0) + [UInt8](repeating: 0, count: 64)))
        assertNotMine(memory(Array("GGUF".utf8) + g.u32(3) + g.count(1) + g.count(1_000_000) + [UInt8](repeating: 0, count: 64)))
        // A first key that is empty, has a space or a control byte.
        for key in ["", "general architecture", "general.\u{01}"] {
            assertNotMine(memory(g.file(kvs: [g.stringKV(key, "llama")], tensors: [g.tensor("w", [2], type: 0)])))
        }
        // A first key of unknown value type.
        assertNotMine(memory(g.file(kvs: [g.string("general.x") + g.u32(13) + g.u32(0)], tensors: [])))
    }

    func testRandomBodiesBehindAValidHeader() {
        var r = SystemRandomNumberGenerator()
        let g = GGUFBytes()
        for _ in 0..<200 {
            var body = [UInt8](repeating: 0, count: 2048)
            for i in body.indices { body[i] = UInt8.random(in: 0...255, using: &r) }
            assertNotMine(memory(Array("GGUF".utf8) + g.u32(3) + g.count(5) + g.count(7) + body))
        }
    }

    func testOtherFilesAreNotMine() {
        for name in ["negative/lfs/weights.gguf", "negative/random.bin", "negative/settings.json", "negative/train_utils.py",
                     "positive/ggml-model-f16.bin", "positive/tiny-llama.safetensors"] {
            assertNotMine(sniffInput(name))
        }
        assertNotMine(memory(Array("GGUF is the file format of llama.cpp, see the docs\n".utf8)))
        assertNotMine(memory(Array("GGUF".utf8)))
    }
}

// MARK: hostile input (issue 9)

extension GGUFSnifferTests {
    func testAnArchitectureThatErasesTheScreenIsEscaped() throws {
        let g = GGUFBytes()
        let evil = "llama\u{1B}[1A\u{1B}[2K\u{9B}2J"
        let b = g.file(kvs: [g.stringKV("general.architecture", evil)], tensors: [g.tensor("w", [2], type: 0)])
        guard case .finding(let f) = ArtifactDetector().examine(path: PathBytes("m.gguf"), source: MemoryByteSource(b)) else {
            return XCTFail("no finding")
        }
        XCTAssertEqual(f.summary.architecture, "llama\\x1b[1A\\x1b[2K\\u{009b}2J")
        for text in [f.message, f.summary.architecture ?? ""] + f.summary.details.map({ $0.1 }) {
            XCTAssertFalse(text.unicodeScalars.contains { DisplayText.isUnsafe($0) }, text)
        }
        XCTAssertTrue(f.message.contains("llama\\x1b[1A"), f.message)
    }
}

final class GGUFSplitShardTests: XCTestCase {
    func testSplitShardsSayWhichAndOfHowMany() throws {
        for (n, path) in ["positive/models/gguf_split/tiny-00001-of-00002.gguf", "positive/models/gguf_split/tiny-00002-of-00002.gguf"].enumerated() {
            guard case .found(let d) = GGUFSniffer().sniff(sniffInput(path)) else { return XCTFail("\(path) not found") }
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: d.summary.details)["split"], "\(n + 1)/2")
            XCTAssertTrue(d.summary.notes.contains("shard \(n + 1) of 2, 4 tensors in all"), "\(d.summary.notes)")
            XCTAssertEqual(d.summary.tensors, 2)
        }
        guard case .found(let plain) = GGUFSniffer().sniff(sniffInput("positive/tiny-llama.gguf")) else { return XCTFail("not found") }
        XCTAssertFalse(plain.summary.details.contains { $0.0 == "split" })
    }
}
