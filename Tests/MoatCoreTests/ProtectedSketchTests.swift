import MoatBytes
import XCTest
@testable import MoatCore

/// The statistics behind `moat protect`: keyed sampling, sign words, the binomial threshold, and
/// the measured agreement of related and unrelated tensors (docs/protected-weights.md quotes the
/// printed distributions).
final class ProtectedSketchTests: XCTestCase {
    /// A deterministic Gaussian source (Box-Muller over SplitMix64).
    struct Gaussian {
        var state: UInt64
        mutating func next() -> Float {
            state = SketchKey.mix(state, 1)
            let u1 = Double(state >> 11) / Double(1 << 53) + 1e-300
            state = SketchKey.mix(state, 2)
            let u2 = Double(state >> 11) / Double(1 << 53)
            return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
        }
    }

    /// A safetensors file of float32 tensors, built byte by byte.
    static func safetensors(_ tensors: [(String, [Int], [Float])]) -> [UInt8] {
        var header = "{", data: [UInt8] = []
        for (i, t) in tensors.enumerated() {
            let begin = data.count
            for v in t.2 { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
            header += (i > 0 ? "," : "") + "\"\(t.0)\":{\"dtype\":\"F32\",\"shape\":[\(t.1.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(data.count)]}"
        }
        header += "}"
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        return out + h + data
    }

    static func input(_ bytes: [UInt8]) -> SniffInput { SniffInput(path: PathBytes("t.safetensors"), source: MemoryByteSource(bytes)) }

    func testKeyedRowsAreDistinctSortedAndCapped() {
        let key = SketchKey(salt: 42)
        for (r, c) in [(64, 64), (512, 256), (4096, 4096), (100_000, 64), (3, 4096)] {
            let rows = key.rows(rows: r, columns: c)
            XCTAssertEqual(rows.count, key.rowCount(rows: r, columns: c))
            XCTAssertEqual(rows, Array(Set(rows)).sorted())
            XCTAssertTrue(rows.allSatisfy { $0 >= 0 && $0 < r })
            XCTAssertLessThanOrEqual(rows.count * key.window(columns: c) * SketchKey.maxCoverageDivisor, r * c)
            XCTAssertLessThanOrEqual(rows.count, SketchKey.maxRows)
        }
        XCTAssertNotEqual(SketchKey(salt: 1).rows(rows: 4096, columns: 4096), SketchKey(salt: 2).rows(rows: 4096, columns: 4096))
        XCTAssertFalse(key.isComparable(rows: 8, columns: 8))
    }

    func testBinomialTailMatchesKnownValues() {
        // P(X >= 8 | n = 8) = 1/256; P(X >= 192 | 256) ≈ 2.4e-16 (research note 4.2).
        XCTAssertEqual(Binomial.log10UpperTail(n: 8, k: 8), log10(1.0 / 256), accuracy: 1e-9)
        XCTAssertEqual(Binomial.log10UpperTail(n: 256, k: 192), log10(2.4e-16), accuracy: 0.05)
        XCTAssertEqual(Binomial.log10UpperTail(n: 100, k: 40), 0)
        XCTAssertEqual(Binomial.log10UpperTail(n: 16384, k: 16384), -16384 * log10(2.0), accuracy: 1e-6)
    }

    func testRegistryRoundTripsAndRejectsDamage() throws {
        var g = Gaussian(state: 9)
        let values = (0..<(512 * 256)).map { _ in g.next() }
        let key = SketchKey(salt: 0xABCDEF)
        let model = ProtectedSketcher.model(name: "m", files: ["a"], inputs: [Self.input(Self.safetensors([("w", [512, 256], values), ("b", [256], Array(values.prefix(256)))]))], key: key)
        XCTAssertEqual(model.tensors.count, 1)
        XCTAssertEqual(model.skipped.map(\.name), ["b"])
        let registry = ProtectedRegistry(key: key, models: [model])
        let parsed = try ProtectedRegistry.parse(Array(registry.json().utf8))
        XCTAssertEqual(parsed.key, key)
        XCTAssertEqual(parsed.models.first?.tensors.first?.signature, model.tensors.first?.signature)
        let cut = registry.json().replacingOccurrences(of: "\"signature\": \"", with: "\"signature\": \"0")
        XCTAssertThrowsError(try ProtectedRegistry.parse(Array(cut.utf8)))
        XCTAssertThrowsError(try ProtectedRegistry.parse(Array("{\"models\": []}".utf8)))
    }

    /// Related vs unrelated agreement over many independent tensors: unrelated pairs stay near 1/2
    /// and never reach the threshold; 1%-noise copies stay near 1 and always do.
    func testMeasuredAgreementDistributions() {
        let key = SketchKey(salt: 7)
        var g = Gaussian(state: 1)
        var unrelated: [Double] = [], noisy: [Double] = [], noisyFive: [Double] = []
        for shape in [(64, 64), (256, 128)] {
            for _ in 0..<30 {
                let n = shape.0 * shape.1
                let a = (0..<n).map { _ in g.next() }, b = (0..<n).map { _ in g.next() }
                let a1 = a.map { $0 + 0.01 * g.next() }, a5 = a.map { $0 + 0.05 * g.next() }
                let model = ProtectedSketcher.model(name: "m", files: ["a"], inputs: [Self.input(Self.safetensors([("w", [shape.0, shape.1], a)]))], key: key)
                let matcher = ProtectedMatcher(registry: ProtectedRegistry(key: key, models: [model]), source: "test")
                for (values, sink) in [(b, 0), (a1, 1), (a5, 2)] {
                    let input = Self.input(Self.safetensors([("x", [shape.0, shape.1], values)]))
                    guard let listing = TensorLocator.locate(input), let t = listing.tensors.first else { return XCTFail("unreadable") }
                    var sampler = TensorSampler(input: input)
                    let rows = key.rows(rows: shape.0, columns: shape.1), w = key.window(columns: shape.1), c0 = key.windowStart(columns: shape.1)
                    let v = sampler.values(t, at: rows.flatMap { r in (0..<w).map { (row: r, column: c0 + $0) } }) ?? []
                    let m = matcher.compare(RowBits.words(v, width: w), against: [ProtectedMatcher.Ref(model: 0, tensor: 0)], candidate: t, layout: .same)
                    let agreement = m?.agreement ?? 0
                    switch sink {
                    case 0:
                        unrelated.append(agreement)
                        XCTAssertGreaterThan(m?.log10p ?? 0, ProtectedMatcher.log10Alpha, "an unrelated tensor reached the threshold")
                    case 1: noisy.append(agreement); XCTAssertLessThanOrEqual(m?.log10p ?? 0, ProtectedMatcher.log10Alpha)
                    default: noisyFive.append(agreement); XCTAssertLessThanOrEqual(m?.log10p ?? 0, ProtectedMatcher.log10Alpha)
                    }
                }
            }
        }
        func stats(_ x: [Double]) -> String {
            let mean = x.reduce(0, +) / Double(x.count)
            let sd = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)).squareRoot()
            return String(format: "n=%d mean=%.4f sd=%.4f min=%.4f max=%.4f", x.count, mean, sd, x.min() ?? 0, x.max() ?? 0)
        }
        print("protected-null unrelated: \(stats(unrelated))")
        print("protected-null noise 1%: \(stats(noisy))")
        print("protected-null noise 5%: \(stats(noisyFive))")
        XCTAssertLessThan(unrelated.max() ?? 1, 0.6)
        XCTAssertGreaterThan(noisy.min() ?? 0, 0.97)
    }

    /// Quantised blocks are decoded as ggml does: x = d · q.
    func testQ8BlockDecoding() {
        var block: [UInt8] = []
        withUnsafeBytes(of: Float16(0.5).bitPattern.littleEndian) { block += $0 }
        block += (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
        XCTAssertEqual(ElementEncoding.q8_0.value(block, at: 0, element: 0), -8)
        XCTAssertEqual(ElementEncoding.q8_0.value(block, at: 0, element: 31), 7.5)
        XCTAssertNil(ElementEncoding.q8_0.value(Array(block.prefix(10)), at: 0, element: 31))
    }

    /// Offsets a file declares beyond its real size are never read.
    func testTruncatedFileGivesNoValues() {
        var g = Gaussian(state: 3)
        let bytes = Self.safetensors([("w", [128, 128], (0..<(128 * 128)).map { _ in g.next() })])
        let input = Self.input(Array(bytes.prefix(bytes.count / 2)))
        guard let t = TensorLocator.locate(input)?.tensors.first else { return XCTFail("header unreadable") }
        XCTAssertLessThan(t.storageElements, 128 * 128)
        var sampler = TensorSampler(input: input)
        XCTAssertNil(sampler.values(t, at: [(row: 127, column: 127)]))
        XCTAssertNotNil(sampler.values(t, at: [(row: 0, column: 0)]))
    }
}
