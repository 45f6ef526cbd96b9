import Foundation
import MoatBytes
import XCTest
@testable import MoatCore

/// Runs the whole detector over every fixture the generator wrote with the real libraries and checks
/// the verdict against the ground truth the libraries reported (Tests/Fixtures/manifest.json).
final class FixtureManifestTests: XCTestCase {
    struct Entry: Decodable {
        var file: String
        var expect: String
        var category: String?
        var format: String
        var tensors: Int?
        var parameters: Int?
        var dtypes: [String]?
        var secrets: [String]?
        /// Dataset counts, as the writing library reports them.
        var rows: Int?
        var columns: Int?
        var records: Int?
        var tokens: Int?
        var samples: Int?
        var classes: Int?
        /// Tree models and archives, as the writing library reports them.
        var trees: Int?
        var features: Int?
        var inner_format: String?
        var inner_path: String?
        /// GGUF split shards: `no/count`.
        var split: String?
    }

    func loadManifest() throws -> [Entry] {
        let data = try Data(contentsOf: fixturesRoot.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode([Entry].self, from: data)
    }

    func examine(_ file: String) -> ArtifactDetector.Outcome {
        // Paths as a scan of Tests/Fixtures would show them, so name rules see the real file names.
        ArtifactDetector().examine(path: PathBytes(file), source: MemoryByteSource(fixture(file)))
    }

    func testManifestIsPresentAndCoversBothSides() throws {
        let entries = try loadManifest()
        XCTAssertGreaterThan(entries.filter { $0.expect == "finding" }.count, 30)
        XCTAssertGreaterThan(entries.filter { $0.expect == "none" }.count, 20)
        for e in entries { XCTAssertFalse(fixture(e.file).isEmpty && !e.file.hasSuffix("empty"), "missing fixture \(e.file)") }
    }

    func testNegativeFixturesProduceNoFinding() throws {
        for e in try loadManifest() where e.expect == "none" {
            if case .finding(let f) = examine(e.file) {
                XCTFail("\(e.file): unexpected finding \(f.rule): \(f.message)")
            }
        }
    }

    func testPositiveFixturesAreFoundWithTheirFormatAndCategory() throws {
        for e in try loadManifest() where e.expect == "finding" {
            guard case .finding(let f) = examine(e.file) else {
                XCTFail("\(e.file): not found (expected \(e.format))")
                continue
            }
            XCTAssertEqual(f.format, e.format, "\(e.file): format")
            XCTAssertEqual(f.category.rawValue, e.category, "\(e.file): category (\(f.message))")
            XCTAssertEqual(f.rule, "artifact.\(f.format)")
        }
    }

    /// Where a format's header carries them, tensor and parameter counts must equal what the
    /// library that wrote the file reported.
    func testCountsMatchTheLibraries() throws {
        let exactFormats: Set<String> = ["safetensors", "gguf", "numpy-npy", "numpy-npz", "pytorch-zip", "pytorch-legacy", "onnx",
                                         "raw-float32", "raw-float16", "raw-bfloat16", "raw-float64",
                                         "tf-checkpoint", "flax-msgpack", "torch-dcp", "archive", "openvino-ir"]
        for e in try loadManifest() where e.expect == "finding" && exactFormats.contains(e.format) {
            guard case .finding(let f) = examine(e.file) else { continue }
            if let p = e.parameters { XCTAssertEqual(f.summary.parameters, p, "\(e.file): parameters (\(f.message))") }
            if let t = e.tensors, !e.format.hasPrefix("raw-") { XCTAssertEqual(f.summary.tensors, t, "\(e.file): tensors") }
        }
    }

    /// Dataset counts (rows, columns, records, tokens, samples, classes) equal what the library that
    /// wrote the file reported; where moat estimates from the head (CSV, big JSONL) the estimate is
    /// within 15%.
    func testDatasetCountsMatchTheLibraries() throws {
        var checked = 0
        for e in try loadManifest() where e.expect == "finding" && (e.category == "dataset" || e.format == "hf-dataset-metadata") {
            guard case .finding(let f) = examine(e.file) else { continue }
            let d = Dictionary(uniqueKeysWithValues: f.summary.details)
            func exactOrEstimate(_ want: Int, _ key: String, _ what: String) {
                checked += 1
                if let got = d[key].flatMap(Int.init) { return XCTAssertEqual(got, want, "\(e.file): \(what) (\(f.message))") }
                guard let est = d[key + "_estimated"].flatMap(Int.init) else { return XCTFail("\(e.file): no \(what) (\(f.message))") }
                XCTAssertLessThan(abs(Double(est - want)) / Double(want), 0.15, "\(e.file): estimated \(what) \(est) vs \(want)")
            }
            if let n = e.rows { exactOrEstimate(n, "rows", "rows") }
            if let n = e.columns { exactOrEstimate(n, "columns", "columns") }
            if let n = e.records { exactOrEstimate(n, e.format == "lmdb" ? "entries" : "records", "records") }
            if let n = e.tokens { exactOrEstimate(n, "tokens", "tokens") }
            if let n = e.samples { exactOrEstimate(n, "samples", "samples") }
            if let n = e.classes { exactOrEstimate(n, "classes", "classes") }
        }
        XCTAssertGreaterThan(checked, 20)
    }

    /// Tree models report the trees and features their library counted; archives name the inner
    /// format and path the generator put there.
    func testModelFamilyFactsMatchTheLibraries() throws {
        var checked = 0
        for e in try loadManifest() where e.expect == "finding" && (e.trees != nil || e.inner_format != nil || e.split != nil) {
            guard case .finding(let f) = examine(e.file) else { continue }
            let d = Dictionary(uniqueKeysWithValues: f.summary.details)
            if let n = e.trees, e.format != "catboost" { XCTAssertEqual(d["trees"], String(n), "\(e.file): trees"); checked += 1 }
            if let n = e.features, e.format != "catboost" { XCTAssertEqual(d["features"], String(n), "\(e.file): features") }
            if let inner = e.inner_format { XCTAssertEqual(d["inner_format"], inner, "\(e.file)"); checked += 1 }
            if let path = e.inner_path { XCTAssertEqual(d["inner_path"], path, "\(e.file)") }
            if let split = e.split { XCTAssertEqual(d["split"], split, "\(e.file): split"); checked += 1 }
        }
        XCTAssertGreaterThanOrEqual(checked, 6)
    }

    /// Model-family messages say what the file is, in the README's words.
    func testModelFamilyMessages() throws {
        let want = [
            "positive/models/tf1_train/model.ckpt-1.index": "TensorFlow training checkpoint (index): 2K parameters, float32/int64, with optimizer "
                + "state (Adam), 9 of 15 variables are optimizer slots, weights in the .data-00000-of-00001 shard, 524 bytes",
            "positive/models/release_model.zip": "safetensors weights inside a zip archive: 12.3K parameters, F32, release/model.safetensors inside the zip, 46 KB",
            "positive/models/gguf_split/tiny-00002-of-00002.gguf": "GGUF model: 512 parameters, F32, shard 2 of 2, 4 tensors in all, 2.3 KB",
        ]
        for (file, message) in want {
            guard case .finding(let f) = examine(file) else { XCTFail("\(file): not found"); continue }
            XCTAssertEqual(f.message, message, file)
        }
    }

    /// Every dataset finding's message says what it is and how big, in the README's words.
    func testDatasetMessagesNameTheirCounts() throws {
        guard case .finding(let p) = examine("positive/datasets/reviews.parquet") else { return XCTFail("not found") }
        XCTAssertEqual(p.message, "Parquet dataset: 3,000 rows × 5 columns, pandas schema, 135 KB")
        guard case .finding(let t) = examine("positive/datasets/train.tfrecord") else { return XCTFail("not found") }
        XCTAssertEqual(t.message, "TFRecord dataset: 300 records, tf.train.Example, 44 KB")
    }

    /// Credentials inside model containers (safetensors metadata, a checkpoint's pickle, GGUF
    /// metadata) are found next to the artifact; negative fixtures yield no secret at all.
    func testSecretsInsideModelsAndNoneInNegatives() throws {
        let scanner = ContentScanner(secrets: SecretDetector())
        for e in try loadManifest() {
            let outcome = scanner.examine(path: PathBytes(e.file), source: MemoryByteSource(fixture(e.file)))
            let secretRules = Set(outcome.findings.filter { $0.kind == .secret }.map(\.rule))
            if let want = e.secrets {
                XCTAssertTrue(Set(want).isSubset(of: secretRules), "\(e.file): expected \(want), got \(secretRules)")
                XCTAssertTrue(outcome.findings.contains { $0.kind == .artifact }, "\(e.file): the artifact itself must still be reported")
            } else {
                XCTAssertEqual(secretRules, [], "\(e.file): unexpected secrets")
            }
        }
    }

    func testSafetensorsDtypesAreTheHeaderNames() throws {
        guard case .finding(let f) = examine("positive/tiny-gpt2-bf16.safetensors") else { return XCTFail("not found") }
        XCTAssertEqual(Set(f.summary.dtypes), ["BF16", "F32"])
        XCTAssertEqual(f.summary.architecture, "GPT-2-style decoder")
    }

    func testContentWinsOverName() throws {
        // The same safetensors bytes under a neutral name are still found ...
        guard case .finding(let renamed) = examine("positive/data.bin"), case .finding(let original) = examine("positive/tiny-llama.safetensors") else {
            return XCTFail("not found")
        }
        XCTAssertEqual(renamed.summary, original.summary)
        // ... and a text file named like a model is not a model.
        if case .finding = examine("negative/model.pt") { XCTFail("text named model.pt reported") }
    }

    func testFingerprintFollowsContentNotPath() throws {
        // data.bin is a byte-identical copy of tiny-llama.safetensors: a renamed file keeps its
        // fingerprint (a baseline keeps accepting it); other content gets another.
        guard case .finding(let a) = examine("positive/data.bin"), case .finding(let b) = examine("positive/data.bin"),
              case .finding(let c) = examine("positive/tiny-llama.safetensors"),
              case .finding(let d) = examine("positive/adapter_model.safetensors") else { return XCTFail("not found") }
        XCTAssertEqual(a.fingerprint, b.fingerprint)
        XCTAssertEqual(a.fingerprint, c.fingerprint)
        XCTAssertNotEqual(a.fingerprint, d.fingerprint)
        XCTAssertEqual(a.fingerprint.count, 32)
    }
}
