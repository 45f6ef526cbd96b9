import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class SafetensorsSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = SafetensorsSniffer()

    func memory(_ bytes: [UInt8], _ name: String = "model.safetensors") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    /// A safetensors file: u64 LE header length, the JSON header, then `data`.
    func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
        let h = Array(header.utf8)
        return (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + data
    }

    /// The header length a fixture declares (its first 8 bytes).
    func headerLength(_ bytes: [UInt8]) -> Int {
        (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    }

    // MARK: what it must find

    func testFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "safetensors" }
        XCTAssertGreaterThanOrEqual(truths.count, 6)
        for t in truths {
            XCTAssertEqual(t.expect, "finding", t.file)
            guard let d = found(sniffInput(t.file)) else { continue }
            XCTAssertEqual(d.format, "safetensors", t.file)
            XCTAssertEqual(d.category.rawValue, t.category, t.file)
            XCTAssertEqual(d.summary.tensors, t.tensors, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(Set(d.summary.dtypes), Set(t.dtypes ?? []), t.file)
            XCTAssertTrue(d.problems.isEmpty, "\(t.file): \(d.problems)")
            // The tensors fill the whole buffer after the header: no gaps in files the library wrote.
            let bytes = fixture(t.file)
            XCTAssertEqual(d.summary.tensorBytes, bytes.count - 8 - headerLength(bytes), t.file)
        }
    }

    func testNamesRevealArchitectureOptimizerAndAdapter() throws {
        let llama = try XCTUnwrap(found(sniffInput("positive/tiny-llama.safetensors")))
        XCTAssertEqual(llama.label, "safetensors weights")
        XCTAssertEqual(llama.summary.architecture, "Llama-style decoder")
        XCTAssertEqual(details(llama)["metadata.format"], "pt")

        let gpt2 = try XCTUnwrap(found(sniffInput("positive/tiny-gpt2-bf16.safetensors")))
        XCTAssertEqual(gpt2.summary.architecture, "GPT-2-style decoder")

        let optimizer = try XCTUnwrap(found(sniffInput("positive/optimizer.safetensors")))
        XCTAssertEqual(optimizer.category, .optimizerState)
        XCTAssertEqual(optimizer.label, "optimizer state (safetensors)")
        XCTAssertEqual(optimizer.summary.optimizer, "Adam-family", "exp_avg_sq slots are Adam's")

        let adapter = try XCTUnwrap(found(sniffInput("positive/adapter_model.safetensors")))
        XCTAssertEqual(adapter.category, .modelWeights)
        XCTAssertEqual(adapter.label, "LoRA adapter (safetensors)")
        XCTAssertTrue(adapter.summary.notes.contains("LoRA/adapter weights"))
    }

    func testContentNotNameDecides() throws {
        // data.bin is tiny-llama.safetensors under a neutral name.
        let d = try XCTUnwrap(found(SniffInput(path: PathBytes("data.bin"), source: MemoryByteSource(fixture("positive/data.bin")))))
        XCTAssertEqual(d.summary.parameters, 24736)
    }

    func testMetadataIsReportedAndLongValuesAreDropped() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/secrets/hub-upload.safetensors")))
        XCTAssertNotNil(details(d)["metadata.hf_token"])
        let long = String(repeating: "x", count: 201)
        let b = file(#"{"__metadata__":{"short":"yes","long":"\#(long)"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                     data: [UInt8](repeating: 0, count: 8))
        let e = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(details(e)["metadata.short"], "yes")
        XCTAssertNil(details(e)["metadata.long"])
    }

    func testHandMadeHeaders() throws {
        // Leading spaces before the object, unknown dtype (size not checked), scalar shape.
        let b = file(#"  {"a":{"dtype":"F16","shape":[3,2],"data_offsets":[0,12]},"s":{"dtype":"NEW8","shape":[],"data_offsets":[12,13]}}"#,
                     data: [UInt8](repeating: 0, count: 13))
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(d.summary.tensors, 2)
        XCTAssertEqual(d.summary.parameters, 7)
        XCTAssertEqual(d.summary.dtypes, ["F16", "NEW8"])
        XCTAssertEqual(d.summary.tensorBytes, 13)
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")

        // Sub-byte dtypes round up: 3 F4 values take 2 bytes.
        let f4 = try XCTUnwrap(found(memory(file(#"{"q":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, data: [0, 0]))))
        XCTAssertEqual(f4.summary.parameters, 3)

        // Metadata only: a safetensors file, without tensors.
        let meta = try XCTUnwrap(found(memory(file(#"{"__metadata__":{"k":"v"}}"#))))
        XCTAssertEqual(meta.summary.tensors, 0)
    }

    func testGradientNames() throws {
        let b = file(#"{"fc.weight.grad":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(d.category, .gradients)
        XCTAssertEqual(d.label, "gradients (safetensors)")
    }

    // MARK: damaged files: found with a problem, or not at all

    func testTruncatedInTheDataIsFoundWithAProblem() throws {
        let whole = fixture("positive/tiny-llama.safetensors")
        let n = headerLength(whole)
        for cut in [8 + n, 8 + n + 100, whole.count / 2, whole.count - 1] {
            let d = try XCTUnwrap(found(memory(Array(whole.prefix(cut)))), "cut \(cut)")
            XCTAssertEqual(d.summary.tensors, 21)
            XCTAssertEqual(d.problems.count, 1, "cut \(cut)")
            XCTAssertTrue(d.problems[0].hasPrefix("truncated: tensors need"), d.problems[0])
        }
    }

    func testTruncatedInTheHeader() throws {
        let whole = fixture("positive/tiny-llama.safetensors")
        let n = headerLength(whole)
        // Enough of the header to see dtype and data_offsets: a truncated safetensors file.
        let d = try XCTUnwrap(found(memory(Array(whole.prefix(8 + n / 2)))))
        XCTAssertEqual(d.label, "truncated safetensors file")
        XCTAssertTrue(d.problems[0].hasPrefix("truncated: header declares"), d.problems[0])
        XCTAssertNil(d.summary.parameters)
        // Too little to tell.
        for cut in [0, 8, 9, 20] { assertNotMine(memory(Array(whole.prefix(cut)))) }
    }

    func testTrailingDataIsAProblem() throws {
        let b = fixture("positive/secrets/hub-upload.safetensors") + [UInt8](repeating: 7, count: 10)
        let d = try XCTUnwrap(found(memory(b)))
        XCTAssertEqual(d.summary.parameters, 256)
        XCTAssertEqual(d.problems.count, 1)
        XCTAssertTrue(d.problems[0].contains("trailing data"), d.problems[0])
    }

    func testCorruptedFixturesDoNotTrap() {
        var g = SystemRandomNumberGenerator()
        let original = fixture("positive/tiny-gpt2-bf16.safetensors")
        let n = headerLength(original)
        for _ in 0..<300 {
            var b = original
            for _ in 0..<4 { b[Int.random(in: 8..<(8 + n), using: &g)] = UInt8.random(in: 0...255, using: &g) }
            if case .found(let d) = sniffer.sniff(memory(b)) { XCTAssertEqual(d.format, "safetensors") }
        }
    }

    // MARK: what it must not find

    func testOffsetsThatDoNotAddUp() {
        let data = [UInt8](repeating: 0, count: 64)
        for header in [
            #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#,   // 4 floats need 16 bytes
            #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,      // end before begin
            #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#,     // negative offset
            #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#,        // one offset
            #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}}"#,   // three offsets
            #"{"w":{"dtype":"F32","shape":[2]}}"#,                          // no offsets
            #"{"w":{"shape":[2],"data_offsets":[0,8]}}"#,                   // no dtype
            #"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#,                 // no shape
            #"{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#,   // shape of strings
            #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,6]}}"#,   // fractional dimension
            #"{"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}"#,        // dtype not a string
            #"{"w":"F32"}"#,                                                // tensor not an object
            #"{"ok":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"bad":{"dtype":"F32","shape":[2],"data_offsets":[8,9]}}"#,
        ] {
            if case .found(let d) = sniffer.sniff(memory(file(header, data: data))) { XCTFail("\(header): found \(d)") }
        }
    }

    func testHeadersThatAreNotSafetensors() {
        assertNotMine(memory(file("{}", data: [0, 0])))                     // no tensors, no metadata
        assertNotMine(memory(file(#"[{"dtype":"F32"}]"#)))                  // not an object
        assertNotMine(memory(file(#"{"w":{"dtype":"F32","shape":[2],"#)))   // unfinished JSON
        assertNotMine(memory(file("x" + String(repeating: " ", count: 20)))) // no brace
        // A declared length of 1, or above the reference reader's 100 MB limit.
        assertNotMine(memory([1, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8) + [UInt8](repeating: 0x20, count: 8)))
        let huge = UInt64(100_000_001)
        assertNotMine(memory((0..<8).map { UInt8(truncatingIfNeeded: huge >> (8 * $0)) } + Array("{\"w\":1}".utf8)))
        // A length far beyond the file, in front of a brace but no safetensors keys.
        assertNotMine(memory([0x00, 0x10, 0, 0, 0, 0, 0, 0] + Array("{\"name\": \"settings\"}".utf8)))
    }

    func testOtherFilesAreNotMine() {
        for name in ["negative/random.bin", "negative/settings.json", "negative/noise.png", "negative/tokens_int32.bin",
                     "negative/lfs/model.safetensors", "positive/tiny-llama.gguf", "positive/pytorch_model.bin",
                     "positive/weights_fc1.f32.bin", "positive/embeddings.npy"] {
            if case .found = sniffer.sniff(sniffInput(name)) { XCTFail("\(name) claimed as safetensors") }
        }
        assertNotMine(memory([]))
    }

    func testRandomBytesBehindAPlausibleLength() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var b = [UInt8](repeating: 0, count: 2048)
            for i in b.indices { b[i] = UInt8.random(in: 0...255, using: &g) }
            b.replaceSubrange(0..<8, with: [0x00, 0x04, 0, 0, 0, 0, 0, 0])  // header of 1024 bytes
            b[8] = UInt8(ascii: "{")
            assertNotMine(memory(b))
        }
    }
}

// MARK: hostile input (issue 9): no trap, bounded work, escaped text

extension SafetensorsSnifferTests {
    func testOffsetsNearIntMaxWithAnUnknownDtypeDoNotTrap() throws {
        // `8 + n + bufferEnd` overflowed: the end offset is Int.max and the dtype unknown (no size check).
        let bytes = file("{\"a\":{\"dtype\":\"X9\",\"shape\":[1],\"data_offsets\":[0,9223372036854775807]}}")
        let d = try XCTUnwrap(found(memory(bytes)))
        XCTAssertTrue(d.problems.contains { $0.hasPrefix("truncated: tensors need more than") }, "\(d.problems)")
    }

    func testAHugeF4ShapeDoesNotTrap() {
        // 2^61-1 elements of 4 bits: `bits + 7` overflowed in the byte count.
        let bytes = file("{\"a\":{\"dtype\":\"F4\",\"shape\":[2305843009213693951],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0])
        assertNotMine(memory(bytes))
        XCTAssertEqual(bytesForBits(Int.max), Int.max / 8 + 1)
        XCTAssertEqual(bytesForBits(9), 2)
    }

    func testMillionsOfTinyEntriesAreCappedAndReportedAsTruncated() throws {
        // More entries than the cap (here 2,000; 200,000 by default): streamed one at a time, counted
        // up to the cap, reported as truncated. (A 100 MB header of 1.8M entries took 743 MB and 12.7 s.)
        var header = "{"
        for i in 0..<2_500 { header += "\"t\(i)\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[\(i),\(i + 1)]}," }
        header.removeLast()
        header += "}"
        let input = memory(file(header, data: [UInt8](repeating: 1, count: 2_500)))
        let d = try XCTUnwrap(SafetensorsSniffer(maxTensors: 2_000).sniff(input).detection)
        XCTAssertEqual(d.summary.tensors, 2_000)
        XCTAssertTrue(d.problems.contains { $0.hasPrefix("truncated: the header lists more than 2000 tensors") }, "\(d.problems)")
        // Under the cap the same file is complete.
        let all = try XCTUnwrap(found(input))
        XCTAssertEqual(all.summary.tensors, 2_500)
        XCTAssertEqual(all.problems, [])
        XCTAssertEqual(SafetensorsSniffer.defaultMaxTensors, SafetensorsSniffer().maxTensors)
    }

    func testDistinctHostileDtypesAreCapped() throws {
        // Every entry with its own unknown dtype: the dtype list (scanned per entry) stays short.
        var entries: [String] = []
        for i in 0..<5_000 { entries.append("\"t\(i)\":{\"dtype\":\"X\(i)\",\"shape\":[1],\"data_offsets\":[0,0]}") }
        let d = try XCTUnwrap(found(memory(file("{" + entries.joined(separator: ",") + "}"))))
        XCTAssertEqual(d.summary.tensors, 5_000)
        XCTAssertEqual(d.summary.dtypes.count, ArtifactSummary.maxDtypes)
    }

    func testAnEscapeSequenceInTheDtypeNeverReachesTheFinding() throws {
        let bytes = file("{\"a\":{\"dtype\":\"F\\u001b[2J\\u009b1A\",\"shape\":[1],\"data_offsets\":[0,1]}}", data: [0])
        guard case .finding(let f) = ArtifactDetector().examine(path: PathBytes("x.safetensors"), source: MemoryByteSource(bytes)) else {
            return XCTFail("no finding")
        }
        for text in [f.message, f.label] + f.summary.dtypes {
            XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B }, text)
        }
        XCTAssertEqual(f.summary.dtypes, ["F\\x1b[2J\\u{009b}1A"])
    }
}
