import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

/// The manifest's ground truth for one fixture (computed by the library that wrote it).
struct PickleFixtureTruth: Decodable {
    var file: String
    var expect: String
    var category: String?
    var format: String
    var tensors: Int?
    var parameters: Int?
    var dtypes: [String]?
    var optimizer_tensors: Int?
    var optimizer_parameters: Int?

    static func load() throws -> [PickleFixtureTruth] {
        try JSONDecoder().decode([PickleFixtureTruth].self, from: Data(contentsOf: fixturesRoot.appendingPathComponent("manifest.json")))
    }
}

/// A stored zip of `entries`, the way torch writes one (CRCs are not checked by moat, so they are zero).
func torchZip(_ entries: [(String, [UInt8])]) -> [UInt8] {
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
    var out: [UInt8] = [], central: [UInt8] = []
    for (name, data) in entries {
        let n = Array(name.utf8), offset = out.count
        out += [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(data.count) + le32(data.count)
            + le16(n.count) + le16(0) + n + data
        central += [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(data.count)
            + le32(data.count) + le16(n.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + n
    }
    let cdOffset = out.count
    out += central
    out += [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(entries.count) + le16(entries.count) + le32(central.count) + le32(cdOffset) + le16(0)
    return out
}

func pickleSniff(_ sniffer: any Sniffer, _ bytes: [UInt8], name: String = "x.pt") -> SniffResult {
    sniffer.sniff(SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes)))
}

func pickleDetection(_ r: SniffResult, file: StaticString = #filePath, line: UInt = #line) -> Detection? {
    if case .found(let d) = r { return d }
    XCTFail("expected a finding, got \(r)", file: file, line: line)
    return nil
}

func pickleNotMine(_ r: SniffResult) -> Bool {
    if case .notMine = r { return true }
    return false
}

final class TorchSnifferTests: XCTestCase {
    func testTorchFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "pytorch-zip" }
        XCTAssertGreaterThanOrEqual(truths.count, 7)
        for t in truths {
            guard let d = pickleDetection(TorchZipSniffer().sniff(sniffInput(t.file))) else { continue }
            XCTAssertEqual(d.format, t.format, t.file)
            // grads.pt is a plain state dict of gradients: only its name says so (applied centrally).
            let expected = t.file.hasSuffix("grads.pt") ? "model-weights" : t.category
            XCTAssertEqual(d.category.rawValue, expected, t.file)
            XCTAssertEqual(d.summary.tensors, t.tensors, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(d.summary.dtypes, t.dtypes ?? [], t.file)
            XCTAssertTrue(d.problems.isEmpty, "\(t.file): \(d.problems)")
            if let ot = t.optimizer_tensors {
                XCTAssertEqual(d.summary.details.first { $0.0 == "optimizer_tensors" }?.1, String(ot), t.file)
            }
            if let op = t.optimizer_parameters {
                XCTAssertEqual(d.summary.details.first { $0.0 == "optimizer_parameters" }?.1, String(op), t.file)
            }
        }
    }

    func testCheckpointOptimizerAndLabels() throws {
        let ckpt = try XCTUnwrap(pickleDetection(TorchZipSniffer().sniff(sniffInput("positive/checkpoint-500/training_state.pt"))))
        XCTAssertEqual(ckpt.label, "PyTorch training checkpoint")
        XCTAssertEqual(ckpt.summary.optimizer, "AdamW")
        XCTAssertTrue(ckpt.summary.notes.contains("training state: scheduler, epoch, global_step"), "\(ckpt.summary.notes)")

        let adamw = try XCTUnwrap(pickleDetection(TorchZipSniffer().sniff(sniffInput("positive/optimizer.pt"))))
        XCTAssertEqual(adamw.label, "PyTorch optimizer state")
        XCTAssertEqual(adamw.summary.optimizer, "AdamW")
        let sgd = try XCTUnwrap(pickleDetection(TorchZipSniffer().sniff(sniffInput("positive/sgd_momentum_optimizer.pt"))))
        XCTAssertEqual(sgd.summary.optimizer, "SGD")
        let weights = try XCTUnwrap(pickleDetection(TorchZipSniffer().sniff(sniffInput("positive/pytorch_model.bin"))))
        XCTAssertEqual(weights.label, "PyTorch model weights")
        XCTAssertNil(weights.summary.optimizer)
    }

    func testWholeDetectorAppliesTheGradientNameToGrads() {
        guard case .finding(let f) = ArtifactDetector().examine(path: PathBytes("positive/grads.pt"), source: MemoryByteSource(fixture("positive/grads.pt"))) else {
            return XCTFail("grads.pt not found")
        }
        XCTAssertEqual(f.category, .gradients)
        XCTAssertEqual(f.format, "pytorch-zip")
    }

    func testNegativesAreNotMine() {
        for file in ["negative/model.pt", "negative/docs.zip", "negative/plain_dict.pkl", "negative/settings.json", "negative/random.bin"] {
            let input = sniffInput(file)
            XCTAssertTrue(pickleNotMine(TorchZipSniffer().sniff(input)), file)
        }
    }

    func testZipWithDotDotFolderIsNotMine() {
        let pkl = torchDataPkl("positive/pytorch_model.bin")
        XCTAssertFalse(pkl.isEmpty)
        XCTAssertTrue(pickleNotMine(pickleSniff(TorchZipSniffer(), torchZip([("../data.pkl", pkl), ("../version", Array("3\n".utf8))]))))
        XCTAssertTrue(pickleNotMine(pickleSniff(TorchZipSniffer(), torchZip([("data.pkl", pkl)]))))
        XCTAssertTrue(pickleNotMine(pickleSniff(TorchZipSniffer(), torchZip([("a/b/data.pkl", pkl)]))))
        // The same pickle under a proper folder is found.
        let ok = pickleDetection(pickleSniff(TorchZipSniffer(), torchZip([("archive/data.pkl", pkl), ("archive/version", Array("3\n".utf8))])))
        XCTAssertEqual(ok?.summary.parameters, 4586)
    }

    func testTruncatedDataPkl() {
        let pkl = torchDataPkl("positive/pytorch_model.bin")
        // Cut before the first tensor: nothing to report.
        XCTAssertTrue(pickleNotMine(pickleSniff(TorchZipSniffer(), torchZip([("archive/data.pkl", Array(pkl.prefix(20))), ("archive/version", Array("3\n".utf8))]))))
        // Cut in the middle: found, with a problem and partial counts.
        let half = torchZip([("archive/data.pkl", Array(pkl.prefix(pkl.count / 2))), ("archive/version", Array("3\n".utf8))])
        let d = pickleDetection(pickleSniff(TorchZipSniffer(), half))
        XCTAssertEqual(d?.category, .modelWeights)
        XCTAssertEqual(d?.problems, ["data.pkl truncated"])
        XCTAssertLessThan(d?.summary.tensors ?? 99, 8)
        // A data.pkl that is text, or a hostile pickle, in a torch-shaped zip.
        XCTAssertTrue(pickleNotMine(pickleSniff(TorchZipSniffer(), torchZip([("archive/data.pkl", Array("hello world".utf8))]))))
        let bomb: [UInt8] = [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61]
        XCTAssertTrue(pickleNotMine(pickleSniff(TorchZipSniffer(), torchZip([("archive/data.pkl", bomb), ("archive/version", Array("3\n".utf8))]))))
    }

    func testTorchScriptAndExportedProgram() {
        let pkl = torchDataPkl("positive/pytorch_model.bin")
        let script = torchZip([("m/data/0", [0, 0, 0, 0]), ("m/data.pkl", pkl), ("m/code/__torch__/m.py", Array("def forward(self):\n".utf8)),
                                ("m/constants.pkl", [0x80, 0x02, 0x29, 0x2E]), ("m/version", Array("3\n".utf8))])
        let d = pickleDetection(pickleSniff(TorchZipSniffer(), script))
        XCTAssertEqual(d?.label, "TorchScript model")
        XCTAssertEqual(d?.category, .modelWeights)
        XCTAssertEqual(d?.summary.parameters, 4586)

        let pt2 = torchZip([("m/archive_format", Array("pt2".utf8)), ("m/data/weights/weight_0", [UInt8](repeating: 0, count: 64)),
                             ("m/data/weights/model_weights_config.json", Array("{}".utf8)), ("m/models/model.json", Array("{}".utf8))])
        let e = pickleDetection(pickleSniff(TorchZipSniffer(), pt2, name: "m.pt2"))
        XCTAssertEqual(e?.summary.tensors, 1)
        XCTAssertEqual(e?.summary.tensorBytes, 64)
    }

    /// MOAT_PICKLE_DUMP=a.pt,b.pkl prints what the torch and pickle sniffers say (exploration aid).
    func testDumpFromEnvironment() throws {
        guard let list = ProcessInfo.processInfo.environment["MOAT_PICKLE_DUMP"] else { return }
        for path in list.split(separator: ",") {
            let b = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: String(path))))) ?? []
            let input = SniffInput(path: PathBytes(String(path)), source: MemoryByteSource(b))
            var said = false
            let t0 = Date()
            for s in [TorchZipSniffer(), TorchLegacySniffer(), PickleSniffer()] as [any Sniffer] {
                if case .found(let d) = s.sniff(input) {
                    said = true
                    print("DUMP \(path): \(d.format) \(d.category.rawValue) '\(d.label)' t=\(String(describing: d.summary.tensors)) p=\(String(describing: d.summary.parameters)) \(d.summary.dtypes) opt=\(String(describing: d.summary.optimizer)) notes=\(d.summary.notes) det=\(d.summary.details) prob=\(d.problems)")
                    break
                }
            }
            print("DUMP \(path): \(said ? "" : "nothing, ")\(Int(Date().timeIntervalSince(t0) * 1000)) ms")
        }
    }
}
