import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class PickleSnifferTests: XCTestCase {
    func testPickleAndJoblibFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "pickle" || $0.format == "joblib" }
        XCTAssertGreaterThanOrEqual(truths.count, 4)
        for t in truths where t.expect == "finding" {
            guard let d = pickleDetection(PickleSniffer().sniff(sniffInput(t.file))) else { continue }
            XCTAssertEqual(d.format, t.format, t.file)
            XCTAssertEqual(d.category.rawValue, t.category, t.file)
            XCTAssertEqual(d.summary.tensors, t.tensors, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(d.summary.dtypes.sorted(), t.dtypes ?? [], t.file)  // the manifest sorts them
            XCTAssertTrue(d.problems.isEmpty, "\(t.file): \(d.problems)")
        }
        for t in truths where t.expect == "none" {
            XCTAssertTrue(pickleNotMine(PickleSniffer().sniff(sniffInput(t.file))), t.file)
        }
    }

    func testNegatives() {
        for file in ["negative/plain_dict.pkl", "negative/model.pt", "negative/notes.txt.gz", "negative/random.bin", "negative/settings.json",
                     "negative/objects.npy", "negative/train_utils.py"] {
            XCTAssertTrue(pickleNotMine(PickleSniffer().sniff(sniffInput(file))), file)
        }
        // Ordinary pickles of every protocol (dicts, strings, sets, bytes): not artifacts.
        for hex in PickleWalkerTests.allProtocols {
            XCTAssertTrue(pickleNotMine(pickleSniff(PickleSniffer(), pickleHex(hex), name: "model.pkl")))
        }
        // Text that starts like a protocol-0 pickle.
        XCTAssertTrue(pickleNotMine(pickleSniff(PickleSniffer(), Array("(dp0 is not a pickle\n".utf8))))
        XCTAssertTrue(pickleNotMine(pickleSniff(PickleSniffer(), Array("cat /etc/hosts\nfoo\n".utf8))))
        // A zlib stream that is not a pickle.
        XCTAssertTrue(pickleNotMine(pickleSniff(PickleSniffer(), [0x78, 0x9C, 0x4B, 0x4C, 0x4A, 0x06, 0x00, 0x02, 0x4D, 0x01, 0x27])))
        // Hostile: BINUNICODE declaring 2 GiB in a 9-byte file; truncated numpy global.
        XCTAssertTrue(pickleNotMine(pickleSniff(PickleSniffer(), [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61, 0x62])))
    }

    /// protocol 5: [numpy._core.numeric._frombuffer(bytearray(8 bytes), dtype('f4'), (2,), 'C')] built by hand.
    static func frombufferList(key: String?) -> [UInt8] {
        var b: [UInt8] = [0x80, 0x05]
        b += key == nil ? [0x5D] : [0x7D, 0x8C, UInt8(key!.utf8.count)] + Array(key!.utf8)
        b += [0x8C, 0x13] + Array("numpy._core.numeric".utf8) + [0x8C, 0x0B] + Array("_frombuffer".utf8) + [0x93]
        b += [0x28, 0x96, 8, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        b += [0x8C, 0x05] + Array("numpy".utf8) + [0x8C, 0x05] + Array("dtype".utf8) + [0x93]
        b += [0x8C, 0x02] + Array("f4".utf8) + [0x89, 0x88, 0x87, 0x52]
        b += [0x4B, 0x02, 0x85, 0x8C, 0x01, 0x43, 0x74, 0x52]
        b += key == nil ? [0x61] : [0x73]
        b.append(0x2E)
        return b
    }

    func testArraysWithoutWeightNamesAreATensorDump() throws {
        let anonymous = try XCTUnwrap(pickleDetection(pickleSniff(PickleSniffer(), PickleSnifferTests.frombufferList(key: nil), name: "cache.pkl")))
        XCTAssertEqual(anonymous.category, .tensorDump)
        XCTAssertEqual(anonymous.format, "pickle")
        XCTAssertEqual(anonymous.summary.tensors, 1)
        XCTAssertEqual(anonymous.summary.parameters, 2)
        XCTAssertEqual(anonymous.summary.dtypes, ["float32"])
        let named = try XCTUnwrap(pickleDetection(pickleSniff(PickleSniffer(), PickleSnifferTests.frombufferList(key: "encoder.weight"), name: "cache.pkl")))
        XCTAssertEqual(named.category, .modelWeights)
        let byFile = try XCTUnwrap(pickleDetection(pickleSniff(PickleSniffer(), PickleSnifferTests.frombufferList(key: nil), name: "model_weights.pkl")))
        XCTAssertEqual(byFile.category, .modelWeights)
        let optimizer = try XCTUnwrap(pickleDetection(pickleSniff(PickleSniffer(), PickleSnifferTests.frombufferList(key: "exp_avg_sq"), name: "x.pkl")))
        XCTAssertEqual(optimizer.category, .optimizerState)
    }

    func testModelLibrariesAndPandas() throws {
        // Protocol 0, as sklearn objects pickle with copy_reg: a LinearRegression with an empty state.
        let sk = Array("ccopy_reg\n_reconstructor\np0\n(csklearn.linear_model._base\nLinearRegression\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nVcoef_\np6\nNsb.".utf8)
        let d = try XCTUnwrap(pickleDetection(pickleSniff(PickleSniffer(), sk, name: "clf.pkl")))
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(d.label, "scikit-learn model")
        XCTAssertEqual(d.summary.details.first { $0.0 == "class" }?.1, "sklearn.linear_model._base.LinearRegression")
        // Protocol 2 pandas DataFrame shell.
        let pd: [UInt8] = [0x80, 0x02] + Array("cpandas.core.frame\nDataFrame\n".utf8) + [0x29, 0x81, 0x7D, 0x62, 0x2E]
        XCTAssertEqual(pickleDetection(pickleSniff(PickleSniffer(), pd, name: "frame.pkl"))?.category, .dataset)
        // A protocol-0 pickle that walks to STOP but references nothing of ML.
        let plain = Array("ccollections\nOrderedDict\np0\n(tRp1\n.".utf8)
        XCTAssertTrue(pickleNotMine(pickleSniff(PickleSniffer(), plain)))
    }

    func testTorchTensorsInAPlainPickle() throws {
        // pickle.dumps(torch.zeros(2, 3)) shape: _rebuild_tensor_v2(_load_from_bytes(b'...'), 0, (2, 3), (3, 1), False, OrderedDict())
        var b: [UInt8] = [0x80, 0x02] + Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28]
        b += Array("ctorch.storage\n_load_from_bytes\n".utf8) + [0x43, 0x03, 1, 2, 3, 0x85, 0x52]
        b += [0x4B, 0x00, 0x4B, 0x02, 0x4B, 0x03, 0x86, 0x4B, 0x03, 0x4B, 0x01, 0x86, 0x89]
        b += Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x74, 0x52, 0x2E]
        let d = try XCTUnwrap(pickleDetection(pickleSniff(PickleSniffer(), b, name: "t.pkl")))
        XCTAssertEqual(d.label, "PyTorch model weights (pickle)")
        XCTAssertEqual(d.summary.parameters, 6)
    }

    func testCompressedJoblibIsInflatedAndBounded() throws {
        let d = try XCTUnwrap(pickleDetection(PickleSniffer().sniff(sniffInput("positive/weights_compress3.joblib"))))
        XCTAssertEqual(d.format, "joblib")
        XCTAssertEqual(d.summary.parameters, 12448)
        // Cut the compressed stream in half: still joblib, with a problem, partial counts.
        let half = Array(fixture("positive/weights_compress3.joblib").prefix(20_000))
        let p = try XCTUnwrap(pickleDetection(pickleSniff(PickleSniffer(), half, name: "w.joblib")))
        XCTAssertEqual(p.format, "joblib")
        XCTAssertFalse(p.problems.isEmpty)
        XCTAssertLessThan(p.summary.tensors ?? 99, 4)
    }

    func testJoblibArrayDataIsSkippedExactly() throws {
        // The uncompressed joblib fixture interleaves array bytes with the pickle: the walk must reach STOP.
        let bytes = fixture("positive/weights.joblib")
        let w = PickleWalker.walk(bytes)
        XCTAssertEqual(w.end, .stop)
        XCTAssertEqual(w.endOffset, bytes.count)
        XCTAssertEqual(w.tensors.map(\.library), [.joblib, .joblib, .joblib, .joblib])
        XCTAssertEqual(w.payloadBytes, 12448 * 4)
    }
}

// MARK: hostile input (issue 9)

extension PickleSnifferTests {
    func testAHugeNumpyDtypeSizeDoesNotTrap() {
        // numpy.dtype('i9223372036854775807') anywhere in a pickle: `n * 8` overflowed in the dtype parser.
        for code in ["i", "u", "c", "U"] {
            var b: [UInt8] = [0x80, 0x02] + Array("cnumpy\ndtype\n".utf8)
            let arg = Array("\(code)9223372036854775807".utf8)
            b += [0x8C, UInt8(arg.count)] + arg + [0x85, 0x52, 0x2E]
            let w = PickleWalker.walk(b)
            XCTAssertEqual(w.end, .stop, code)
            if code != "U" { XCTAssertEqual(w.root, .dtype("\(code)9223372036854775807"), code) }
            _ = PickleSniffer().sniff(SniffInput(path: PathBytes("x.pkl"), source: MemoryByteSource(b)))
        }
        XCTAssertEqual(NumpyDtype.parse("i9223372036854775807").name, "i9223372036854775807")
        XCTAssertNil(NumpyDtype.parse("U9223372036854775807").itemSize)
        XCTAssertNil(NumpyDtype.itemSize("str9223372036854775807"))
        XCTAssertEqual(NumpyDtype.parse("<i8").name, "int64")
    }

    func testClassNamesWithEscapeSequencesAreEscapedInFindings() throws {
        // A scikit-learn "class" whose name clears the screen.
        var b: [UInt8] = [0x80, 0x02] + Array("csklearn.linear_model\nLinear\u{1B}[2J\u{1B}[HModel\n".utf8)
        // NEWOBJ, then BUILD with {"coef_": 1}: a fitted attribute, so it is a model.
        b += [0x29, 0x81, 0x7D, 0x55, 0x05] + Array("coef_".utf8) + [0x4B, 0x01, 0x73, 0x62, 0x2E]
        guard case .finding(let f) = ArtifactDetector().examine(path: PathBytes("m.pkl"), source: MemoryByteSource(b)) else {
            return XCTFail("no finding")
        }
        let all = [f.message, f.label] + f.summary.notes + f.summary.details.map { $0.1 }
        XCTAssertTrue(all.contains { $0.contains("Linear\\x1b[2J\\x1b[HModel") }, "\(all)")
        for text in all { XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B }, text) }
    }
}

extension PickleSnifferTests {
    func testAFloodIsReportedAsTruncatedNotDropped() throws {
        // NumPy arrays rebuilt over and over (h0 ) R): the walk stops at its memory budget, and the
        // finding says it was truncated instead of the file passing as clean.
        var b: [UInt8] = [0x80, 0x02] + Array("cnumpy.core.multiarray\n_reconstruct\n".utf8) + [0x71, 0x00]
        for _ in 0..<(1 << 18) { b += [0x68, 0x00, 0x29, 0x52] }
        b.append(0x2E)
        let d = try XCTUnwrap(pickleDetection(PickleSniffer().sniff(SniffInput(path: PathBytes("a.pkl"), source: MemoryByteSource(b)))))
        XCTAssertEqual(d.problems, ["truncated: the walk stopped at its memory budget"])
        XCTAssertGreaterThan(d.summary.tensors ?? 0, 10_000)
        XCTAssertLessThan(d.summary.tensors ?? 0, 1 << 18)
    }
}
