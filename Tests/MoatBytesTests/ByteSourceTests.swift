import MoatBytes
import XCTest

final class ByteSourceTests: XCTestCase {
    let ten: [UInt8] = Array(0..<10)

    // MARK: MemoryByteSource

    func testMemoryReadsAreBoundedByTheSize() {
        let m = MemoryByteSource(ten)
        XCTAssertEqual(m.size, 10)
        XCTAssertTrue(m.isRandomAccess)
        XCTAssertEqual(m.read(at: 2, count: 3), [2, 3, 4])
        XCTAssertEqual(m.read(at: 0, count: 10), ten)
        // Past the end: clamped, then empty at the end, then nil beyond it.
        XCTAssertEqual(m.read(at: 8, count: 100), [8, 9])
        XCTAssertEqual(m.read(at: 10, count: 5), [])
        XCTAssertNil(m.read(at: 11, count: 1))
        XCTAssertNil(m.read(at: -1, count: 1))
        XCTAssertNil(m.read(at: 0, count: -1))
        XCTAssertEqual(m.read(at: 3, count: 0), [])
        XCTAssertEqual(m.read(at: 0, count: Int.max), ten, "a huge count does not overflow")
    }

    func testMemoryCountsOnlyTheBytesDelivered() {
        let m = MemoryByteSource(ten)
        _ = m.read(at: 0, count: 4)
        _ = m.read(at: 8, count: 100)
        _ = m.read(at: 20, count: 100)
        XCTAssertEqual(m.bytesRead, 6)
    }

    func testEmptySource() {
        let m = MemoryByteSource([])
        XCTAssertEqual(m.read(at: 0, count: 10), [])
        XCTAssertNil(m.read(at: 1, count: 0))
    }

    // MARK: StreamByteSource

    /// A stream over `data` that claims `size` bytes and hands out at most `step` bytes per pull.
    func stream(_ data: [UInt8], size: Int? = nil, cap: Int = 1 << 20, step: Int = 3) -> (StreamByteSource, () -> Int) {
        final class Pulls { var position = 0, calls = 0 }
        let p = Pulls()
        let s = StreamByteSource(size: size ?? data.count, cap: cap) { buf, want in
            p.calls += 1
            let n = min(want, step, data.count - p.position)
            guard n > 0 else { return false }
            buf += data[p.position..<(p.position + n)]
            p.position += n
            return true
        }
        return (s, { p.calls })
    }

    func testDrainVisitsEveryByteOnceAndKeepsOnlyTheCap() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let (s, _) = stream(data, cap: 1_000, step: 777)
        XCTAssertEqual(s.read(at: 0, count: 10), Array(data.prefix(10)))
        var seen: [UInt8] = []
        XCTAssertNil(s.drain { seen += $0 })
        XCTAssertEqual(seen, data)
        XCTAssertEqual(s.bytesRead, 1_000, "past the cap, drained bytes are not kept")
        XCTAssertEqual(s.read(at: 500, count: 10), Array(data[500..<510]), "what is kept still reads")
        // Shorter and longer than declared: both are damage.
        XCTAssertNotNil(stream(data, size: 12_000, cap: 1_000, step: 500).0.drain { _ in })
        XCTAssertNotNil(stream(data, size: 8_000, cap: 1_000, step: 500).0.drain { _ in })
        // A memory source drains in one piece.
        var whole: [UInt8] = []
        XCTAssertNil(MemoryByteSource(data).drain { whole += $0 })
        XCTAssertEqual(whole, data)
    }

    func testStreamReadsForwardAndRereads() {
        let (s, _) = stream(ten)
        XCTAssertFalse(s.isRandomAccess)
        XCTAssertEqual(s.read(at: 5, count: 3), [5, 6, 7])
        XCTAssertEqual(s.read(at: 0, count: 2), [0, 1], "earlier bytes are kept")
        XCTAssertEqual(s.read(at: 7, count: 50), [7, 8, 9])
        XCTAssertEqual(s.read(at: 10, count: 1), [])
        XCTAssertNil(s.read(at: 11, count: 1))
        XCTAssertNil(s.read(at: -1, count: 1))
        XCTAssertEqual(s.bytesRead, 10)
    }

    func testStreamPullsOnlyWhatIsAskedFor() {
        let (s, calls) = stream(Array(repeating: 1, count: 1000), step: 10)
        XCTAssertEqual(s.read(at: 0, count: 5)?.count, 5)
        XCTAssertEqual(s.bytesRead, 10)
        XCTAssertEqual(calls(), 1)
    }

    func testStreamShorterThanDeclared() {
        // The stream ends after 10 bytes although 100 were declared (a truncated object).
        let (s, calls) = stream(ten, size: 100)
        XCTAssertEqual(s.size, 100)
        XCTAssertEqual(s.read(at: 8, count: 10), [8, 9])
        XCTAssertEqual(s.read(at: 10, count: 10), [])
        XCTAssertNil(s.read(at: 20, count: 10), "beyond what the stream delivered")
        let before = calls()
        _ = s.read(at: 50, count: 10)
        XCTAssertEqual(calls(), before, "a finished stream is not pulled again")
    }

    func testStreamCap() {
        let data = (0..<100).map { UInt8($0) }
        let (s, _) = stream(data, cap: 16, step: 100)
        XCTAssertNil(s.read(at: 10, count: 10), "the range ends beyond the cap")
        XCTAssertEqual(s.read(at: 10, count: 6), Array(data[10..<16]))
        XCTAssertLessThanOrEqual(s.bytesRead, 16, "never more than the cap in memory")
    }
}

// MARK: hostile counts (issue 9)

extension ByteSourceTests {
    func testReadsOfIntMaxBytesMeanTheRestAndNeverTrap() {
        var served = 0
        let stream = StreamByteSource(size: 10, cap: 1 << 20) { buf, want in
            let n = min(want, 10 - served)
            guard n > 0 else { return false }
            buf += Array(UInt8(served)..<UInt8(served + n))
            served += n
            return true
        }
        // `offset + count` overflowed here.
        XCTAssertEqual(stream.read(at: 3, count: Int.max), Array(3..<10))
        XCTAssertEqual(stream.read(at: 0, count: Int.max), ten)
        XCTAssertEqual(stream.read(at: 10, count: Int.max), [])
        XCTAssertNil(stream.read(at: 11, count: Int.max))
        XCTAssertEqual(MemoryByteSource(ten).read(at: 4, count: Int.max), Array(4..<10))
        XCTAssertEqual(Inflater.inflatePrefix([0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01], wrapper: .zlib, limit: 1 << 33)?.count ?? 0, 0)
    }
}
