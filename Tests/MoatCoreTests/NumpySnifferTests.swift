import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

/// A `.npy` the way numpy writes one: magic, version, header length, the dict padded with spaces and
/// a newline so the data starts at a multiple of 64, then `dataBytes` zero bytes.
func npyFile(_ dict: String, version: UInt8 = 1, dataBytes: Int = 0, align: Int = 64) -> [UInt8] {
    let prefix = version == 1 ? 10 : 12
    var text = Array(dict.utf8)
    let padded = ((prefix + text.count + 1 + align - 1) / align) * align
    text += [UInt8](repeating: 0x20, count: padded - prefix - text.count - 1) + [0x0A]
    let n = text.count
    let length: [UInt8] = version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : (0..<4).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) }
    return [0x93] + Array("NUMPY".utf8) + [version, 0] + length + text + [UInt8](repeating: 0, count: dataBytes)
}

final class NumpySnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = NumpySniffer()

    func memory(_ bytes: [UInt8], _ name: String = "array.npy") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    func isBenign(_ input: SniffInput) -> Bool {
        if case .benign = sniffer.sniff(input) { return true }
        return false
    }

    /// Where the array data of a fixture starts (version 1 header: 10 bytes + the u16 LE length).
    func dataOffset(_ b: [UInt8]) -> Int { 10 + Int(b[8]) + Int(b[9]) << 8 }

    // MARK: what it must find

    func testFloatFixturesMatchTheManifest() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "numpy-npy" && $0.expect == "finding" && !$0.file.hasPrefix("positive/datasets/") }
        XCTAssertGreaterThanOrEqual(truths.count, 2)
        for t in truths {
            guard let d = found(sniffInput(t.file)) else { continue }
            XCTAssertEqual(d.format, "numpy-npy", t.file)
            // Content alone says "an array of floats"; the name makes it weights (checked by FixtureManifestTests).
            XCTAssertEqual(d.category, .tensorDump, t.file)
            XCTAssertEqual(d.label, "NumPy array", t.file)
            XCTAssertEqual(d.summary.tensors, t.tensors, t.file)
            XCTAssertEqual(d.summary.parameters, t.parameters, t.file)
            XCTAssertEqual(d.summary.dtypes, t.dtypes ?? [], t.file)
            XCTAssertTrue(d.problems.isEmpty, "\(t.file): \(d.problems)")
            let bytes = fixture(t.file)
            XCTAssertEqual(d.summary.tensorBytes, bytes.count - dataOffset(bytes), t.file)
        }
    }

    func testShapeDetail() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/embeddings.npy")))
        XCTAssertEqual(details(d)["shape"], "(700, 64)")
    }

    func testNegativeFixturesAreBenign() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "numpy-npy" && $0.expect == "none" }
        XCTAssertEqual(Set(truths.map(\.file)), ["negative/objects.npy", "negative/tokens_int64.npy", "negative/datasets/small_ints.npy"])
        for t in truths { XCTAssertTrue(isBenign(sniffInput(t.file)), t.file) }
    }

    func testHandMadeHeaders() throws {
        // Version 2 (4-byte length), big-endian float64, a scalar, Fortran order.
        let v2 = try XCTUnwrap(found(memory(npyFile("{'descr': '>f8', 'fortran_order': True, 'shape': (3, 4), }", version: 2, dataBytes: 96))))
        XCTAssertEqual(v2.summary.parameters, 12)
        XCTAssertEqual(v2.summary.dtypes, ["float64"])
        XCTAssertEqual(v2.summary.tensorBytes, 96)
        XCTAssertTrue(v2.problems.isEmpty, "\(v2.problems)")

        let scalar = try XCTUnwrap(found(memory(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", dataBytes: 4))))
        XCTAssertEqual(scalar.summary.parameters, 1)
        XCTAssertEqual(details(scalar)["shape"], "()")

        let complex = try XCTUnwrap(found(memory(npyFile("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", dataBytes: 32))))
        XCTAssertEqual(complex.summary.dtypes, ["complex128"])

        // Old writers aligned to 16 bytes.
        let old = try XCTUnwrap(found(memory(npyFile("{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }", dataBytes: 16, align: 16))))
        XCTAssertEqual(old.summary.dtypes, ["float16"])
    }

    func testLargeIntegerArrayIsADataset() throws {
        // 131072 int64 values = 1 MiB: token shards, labels.
        let d = try XCTUnwrap(found(memory(npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (131072,), }", dataBytes: 1 << 20))))
        XCTAssertEqual(d.category, .dataset)
        XCTAssertEqual(d.label, "NumPy array (int64)")
        // One value fewer: a small integer array, nothing to report.
        XCTAssertTrue(isBenign(memory(npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (131071,), }", dataBytes: (1 << 20) - 8))))
        XCTAssertTrue(isBenign(memory(npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (10,), }", dataBytes: 10))))
    }

    func testIntegerLabels() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/labels.npy")))
        XCTAssertEqual(d.category, .dataset)
        XCTAssertEqual(d.label, "NumPy label array")
        XCTAssertEqual(d.summary.notes, ["6,000 labels, 10 classes"])
        XCTAssertNil(d.summary.parameters, "labels are no parameters")
        // Token ids (large values), too few values, and a float array are not labels.
        XCTAssertTrue(isBenign(sniffInput("negative/tokens_int64.npy")))
        XCTAssertTrue(isBenign(sniffInput("negative/datasets/small_ints.npy")))
        var negative = npyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (400,), }", dataBytes: 1600)
        negative[negative.count - 1] = 0xFF  // -something: not a class index
        negative[negative.count - 800] = 1
        XCTAssertTrue(isBenign(memory(negative)))
    }

    // MARK: damaged files

    func testTruncatedInTheData() throws {
        let whole = fixture("positive/layer0_weights_f16.npy")
        for cut in [dataOffset(whole), whole.count / 2, whole.count - 1] {
            let d = try XCTUnwrap(found(memory(Array(whole.prefix(cut)))), "cut \(cut)")
            XCTAssertEqual(d.summary.parameters, 32768)
            XCTAssertEqual(d.problems.count, 1)
            XCTAssertTrue(d.problems[0].hasPrefix("truncated"), d.problems[0])
        }
    }

    func testTruncatedInTheHeader() {
        let whole = fixture("positive/embeddings.npy")
        for cut in [0, 6, 8, 11, 40, dataOffset(whole) - 1] { assertNotMine(memory(Array(whole.prefix(cut)))) }
    }

    func testCorruptedHeadersDoNotTrap() {
        var g = SystemRandomNumberGenerator()
        let original = fixture("positive/embeddings.npy")
        for _ in 0..<500 {
            var b = Array(original.prefix(1024))
            for _ in 0..<3 { b[Int.random(in: 6..<128, using: &g)] = UInt8.random(in: 0...255, using: &g) }
            _ = sniffer.sniff(memory(b))
        }
    }

    // MARK: what it must not find

    func testMalformedHeaders() {
        let ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
        XCTAssertNotNil(NumpySniffer.parseHeader(npyFile(ok, dataBytes: 16)), "the baseline parses")
        var v4 = npyFile(ok, dataBytes: 16)
        v4[6] = 4
        assertNotMine(memory(v4))
        var minor = npyFile(ok, dataBytes: 16)
        minor[7] = 1
        assertNotMine(memory(minor))
        // Data not aligned to 16.
        var unaligned = npyFile(ok, dataBytes: 16)
        unaligned[8] -= 1
        assertNotMine(memory(unaligned))
        for dict in [
            "{'fortran_order': False, 'shape': (4,), }",              // no descr
            "{'descr': '<f4', 'fortran_order': False, }",              // no shape
            "{'descr': <f4, 'fortran_order': False, 'shape': (4,), }", // descr not quoted
            "{'descr': '<f4', 'fortran_order': False, 'shape': [4], }", // shape not a tuple
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }",
            "'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", // not a dict
        ] {
            assertNotMine(memory(npyFile(dict, dataBytes: 16)))
        }
        // A shape whose product overflows.
        assertNotMine(memory(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }")))
    }

    func testOtherFilesAreNotMine() {
        for name in ["negative/random.bin", "negative/settings.json", "negative/noise.png", "positive/weights_stored.npz",
                     "positive/weights_p4.pkl", "positive/weights_fc1.f32.bin"] {
            assertNotMine(sniffInput(name))
        }
        assertNotMine(memory(Array("\u{93}NUMPY".utf8) + [UInt8](repeating: 0x20, count: 100)))
        assertNotMine(memory([0x93] + Array("NUMPY".utf8)))
    }
}

// MARK: hostile input (issue 9)

extension NumpySnifferTests {
    func testHugeShapesAndItemSizesDoNotTrap() throws {
        // `dataOffset + bytes` overflowed with a shape whose byte count is near Int.max.
        let huge = try XCTUnwrap(found(memory(npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (9223372036854775807,), }"))))
        XCTAssertTrue(huge.problems.contains { $0.hasPrefix("truncated: array needs") }, "\(huge.problems)")
        // `n * 8` overflowed in the dtype names; `n * 4` for unicode.
        for descr in ["<f9223372036854775807", "<i9223372036854775807", "<u9223372036854775807", "<c9223372036854775807",
                      "<U9223372036854775807", "<U4611686018427387904"] {
            _ = sniffer.sniff(memory(npyFile("{'descr': '\(descr)', 'fortran_order': False, 'shape': (3,), }", dataBytes: 64)))
        }
        let (name, size, isFloat) = NumpySniffer.dtype("<f9223372036854775807")
        XCTAssertEqual(name, "float?")
        XCTAssertEqual(size, Int.max)
        XCTAssertTrue(isFloat)
        XCTAssertNil(NumpySniffer.dtype("<U9223372036854775807").1)
        // Non-ASCII digits are not sizes.
        XCTAssertNil(NumpySniffer.dtype("<f٤").1)
    }
}
