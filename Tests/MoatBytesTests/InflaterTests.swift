import Foundation
import MoatBytes
import XCTest

/// Tests/Fixtures, found from this file's path.
private let fixturesRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

private func fixture(_ relative: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: fixturesRoot.appendingPathComponent(relative)))) ?? []
}

/// Deflate streams built bit by bit: stored blocks and fixed-Huffman runs of zeros (a bomb).
private struct Deflate {
    private(set) var bytes: [UInt8] = []
    private var bit = 0

    /// Appends `count` bits of `value`, least significant first (header fields, extra bits).
    mutating func bits(_ value: Int, _ count: Int) {
        for i in 0..<count {
            if bit == 0 { bytes.append(0) }
            bytes[bytes.count - 1] |= UInt8((value >> i) & 1) << bit
            bit = (bit + 1) & 7
        }
    }

    /// Appends a Huffman code, most significant bit first.
    mutating func code(_ value: Int, _ count: Int) {
        for i in stride(from: count - 1, through: 0, by: -1) { bits((value >> i) & 1, 1) }
    }

    /// One final fixed-Huffman block: a literal 0, then `runs` copies of (length 258, distance 1).
    static func zeros(runs: Int) -> [UInt8] {
        var d = Deflate()
        d.bits(1, 1)           // BFINAL
        d.bits(1, 2)           // BTYPE 01: fixed Huffman
        d.code(0x30, 8)        // literal 0
        for _ in 0..<runs {
            d.code(0xC5, 8)    // length symbol 285: 258 bytes
            d.code(0, 5)       // distance code 0: 1 byte back
        }
        d.code(0, 7)           // end of block
        return d.bytes
    }

    static func adler32(_ data: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        let v = b << 16 | a
        return [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// A complete zlib stream of `data` in one stored block.
    static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        let n = data.count
        return [0x78, 0x01, 0x01, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8 & 0xFF)] + data + adler32(data)
    }
}

final class InflaterTests: XCTestCase {
    /// weights_compress3.joblib is joblib's zlib stream (compress=3) of exactly the bytes of weights.joblib.
    let compressed = fixture("positive/weights_compress3.joblib")
    let plain = fixture("positive/weights.joblib")

    func testFixturePairIsPresent() {
        XCTAssertEqual(plain.count, 50258)
        XCTAssertEqual(compressed.prefix(1), [0x78])
    }

    // MARK: inflatePrefix

    func testRealZlibStreamInflatesToTheOriginal() {
        XCTAssertEqual(Inflater.inflatePrefix(compressed, wrapper: .zlib, limit: 1 << 20), plain)
        XCTAssertEqual(Inflater.inflatePrefix(compressed, wrapper: .auto, limit: 1 << 20), plain)
        XCTAssertEqual(Inflater.inflatePrefix(compressed, wrapper: .zlib, limit: 100), Array(plain.prefix(100)))
        XCTAssertEqual(Inflater.inflatePrefix(compressed, wrapper: .zlib, limit: plain.count), plain)
    }

    func testRawAndStoredStreams() {
        let data = Array("moat inflater".utf8)
        let z = Deflate.storedZlib(data)
        XCTAssertEqual(Inflater.inflatePrefix(z, wrapper: .zlib, limit: 100), data)
        XCTAssertEqual(Inflater.inflatePrefix(Array(z.dropFirst(2)), wrapper: .raw, limit: 100), data)
        // A zlib stream read as raw deflate: its header reads as a stored block whose lengths disagree.
        XCTAssertNil(Inflater.inflatePrefix(z, wrapper: .raw, limit: 100))
    }

    func testEmptyInputOrLimit() {
        XCTAssertEqual(Inflater.inflatePrefix([], wrapper: .zlib, limit: 100), [])
        XCTAssertEqual(Inflater.inflatePrefix(compressed, wrapper: .zlib, limit: 0), [])
    }

    func testTruncatedStreamGivesAPrefix() {
        for cut in [3, 100, compressed.count / 2, compressed.count - 50] {
            let out = Inflater.inflatePrefix(Array(compressed.prefix(cut)), wrapper: .zlib, limit: 1 << 20)
            XCTAssertNotNil(out, "cut \(cut)")
            let got = out ?? []
            XCTAssertLessThan(got.count, plain.count, "cut \(cut)")
            XCTAssertEqual(got, Array(plain.prefix(got.count)), "cut \(cut): only correct bytes")
        }
    }

    func testCorruptStreams() {
        // A bad header check, an unknown method, a reserved block type.
        XCTAssertNil(Inflater.inflatePrefix([0x78, 0x00] + compressed.dropFirst(2), wrapper: .zlib, limit: 1000))
        XCTAssertNil(Inflater.inflatePrefix([0x79, 0x9C, 0x03, 0x00], wrapper: .zlib, limit: 1000))
        XCTAssertNil(Inflater.inflatePrefix([0x07, 0x00, 0x00], wrapper: .raw, limit: 1000))
        XCTAssertNil(Inflater.inflatePrefix(Array("plain text, not deflate".utf8), wrapper: .zlib, limit: 1000))
        // Damage in the middle: whatever comes out before the damage is the original.
        var g = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            var b = compressed
            let at = Int.random(in: 2000..<b.count, using: &g)
            b[at] ^= UInt8.random(in: 1...255, using: &g)
            let out = Inflater.inflatePrefix(b, wrapper: .zlib, limit: 1 << 20) ?? []
            XCTAssertLessThanOrEqual(out.count, 1 << 20)
            // Bytes before the damaged block are exact (deflate blocks are independent of later input).
            let safe = min(out.count, 100)
            XCTAssertEqual(Array(out.prefix(safe)), Array(plain.prefix(safe)))
        }
        // A wrong checksum: the data is all there, and nothing more.
        let data = Array("checksum".utf8)
        var z = Deflate.storedZlib(data)
        z[z.count - 1] ^= 0xFF
        let out = Inflater.inflatePrefix(z, wrapper: .zlib, limit: 100)
        XCTAssertTrue(out == nil || out == data, "\(String(describing: out))")
    }

    func testBombIsCappedAtTheLimit() {
        // 40,000 runs of 258 zeros: about 10 MB out of 65 KB in.
        let bomb = Deflate.zeros(runs: 40_000)
        XCTAssertLessThan(bomb.count, 70_000)
        let whole = Inflater.inflatePrefix(bomb, wrapper: .raw, limit: 20_000_000)
        XCTAssertEqual(whole?.count, 1 + 258 * 40_000, "the hand-made stream is valid")
        for limit in [1, 4096, 1 << 20] {
            let out = Inflater.inflatePrefix(bomb, wrapper: .raw, limit: limit)
            XCTAssertEqual(out?.count, limit)
            XCTAssertTrue(out?.allSatisfy { $0 == 0 } == true)
        }
        let zlib = [0x78, 0x01] + bomb
        XCTAssertEqual(Inflater.inflatePrefix(zlib, wrapper: .zlib, limit: 1 << 20)?.count, 1 << 20)
    }

    // MARK: InflateStream

    /// A stream over `input`, handing out at most `chunk` bytes per refill.
    func stream(_ input: [UInt8], wrapper: Inflater.Wrapper = .zlib, chunk: Int = 1000) -> InflateStream? {
        var position = 0
        return InflateStream(wrapper: wrapper, inputChunk: chunk) { buf in
            let n = min(buf.count, input.count - position)
            guard n > 0 else { return 0 }
            buf.copyBytes(from: input[position..<(position + n)])
            position += n
            return n
        }
    }

    func testStreamInSmallSteps() throws {
        let s = try XCTUnwrap(stream(compressed))
        var out: [UInt8] = []
        while s.state == .running {
            let n = s.inflate(appendingTo: &out, upTo: 777)
            XCTAssertLessThanOrEqual(n, 777)
            if s.state == .running { XCTAssertEqual(n, 777, "fewer only at the end") }
        }
        XCTAssertEqual(s.state, .finished)
        XCTAssertEqual(out, plain)
        XCTAssertEqual(s.totalOut, plain.count)
        XCTAssertEqual(s.compressedBytesRead, compressed.count)
        XCTAssertEqual(s.inflate(appendingTo: &out, upTo: 10), 0, "nothing after the end")
    }

    func testStreamReadsOnlyTheInputItNeeds() throws {
        let s = try XCTUnwrap(stream(compressed, chunk: 64))
        var out: [UInt8] = []
        XCTAssertEqual(s.inflate(appendingTo: &out, upTo: 50), 50)
        XCTAssertEqual(out, Array(plain.prefix(50)))
        XCTAssertLessThan(s.compressedBytesRead, 1024)
        XCTAssertEqual(s.state, .running)
    }

    func testStreamTruncatedInputFails() throws {
        let s = try XCTUnwrap(stream(Array(compressed.prefix(compressed.count / 2))))
        var out: [UInt8] = []
        let n = s.inflate(appendingTo: &out, upTo: 1 << 20)
        XCTAssertEqual(s.state, .failed)
        XCTAssertEqual(n, out.count)
        XCTAssertLessThan(out.count, plain.count)
        XCTAssertEqual(out, Array(plain.prefix(out.count)))
    }

    func testStreamCorruptInputFails() throws {
        let s = try XCTUnwrap(stream([0x78, 0x00] + compressed.dropFirst(2)))
        var out: [UInt8] = []
        XCTAssertEqual(s.inflate(appendingTo: &out, upTo: 100), 0)
        XCTAssertEqual(s.state, .failed)
        XCTAssertEqual(out, [])
        // A failed stream stays failed.
        XCTAssertEqual(s.inflate(appendingTo: &out, upTo: 100), 0)
    }

    func testStreamAppendsAfterExistingBytes() throws {
        let s = try XCTUnwrap(stream(Deflate.storedZlib(Array("abc".utf8))))
        var out: [UInt8] = Array("xyz".utf8)
        XCTAssertEqual(s.inflate(appendingTo: &out, upTo: 100), 3)
        XCTAssertEqual(out, Array("xyzabc".utf8))
        XCTAssertEqual(s.state, .finished)
    }

    func testStreamBombIsPulledOnlyAsFarAsAsked() throws {
        let s = try XCTUnwrap(stream(Deflate.zeros(runs: 40_000), wrapper: .raw))
        var out: [UInt8] = []
        XCTAssertEqual(s.inflate(appendingTo: &out, upTo: 1 << 20), 1 << 20)
        XCTAssertEqual(out.count, 1 << 20)
        XCTAssertEqual(s.state, .running)
    }
}
