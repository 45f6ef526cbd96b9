import XCTest
@testable import MoatMatch

final class EntropyTests: XCTestCase {
    func naive(_ bytes: [UInt8]) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        for b in bytes { counts[Int(b)] += 1 }
        let n = Double(bytes.count)
        return counts.filter { $0 > 0 }.reduce(0) { $0 - Double($1) / n * log2(Double($1) / n) }
    }

    func testKnownValues() {
        XCTAssertEqual(Entropy.shannon([]), 0)
        XCTAssertEqual(Entropy.shannon(Array("aaaa".utf8)), 0)
        XCTAssertEqual(Entropy.shannon(Array("abab".utf8)), 1, accuracy: 1e-12)
        XCTAssertEqual(Entropy.shannon(Array(0...255)), 8, accuracy: 1e-12)
        XCTAssertEqual(Entropy.shannon(Array(repeating: Array(0...255), count: 40).flatMap { $0 }), 8, accuracy: 1e-12)
    }

    func testAgreesWithNaiveFormula() {
        var rng = SplitMix(seed: 3)
        for n in [2, 3, 17, 64, 255, 256, 257, 1000, 4099, 70_000] {
            let alphabet = Int(rng.next() % 200) + 1
            let bytes = (0..<n).map { _ in UInt8(rng.next() % UInt64(alphabet)) }
            XCTAssertEqual(Entropy.shannon(bytes), naive(bytes), accuracy: 1e-9, "n=\(n)")
        }
        let token = Array("hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567".utf8)
        XCTAssertGreaterThan(Entropy.shannon(token), 4.5)
        XCTAssertLessThan(Entropy.shannon(Array("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".utf8)), 0.01)
    }
}
