import MoatBytes
@testable import MoatCore
import XCTest

final class LMDBSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = LMDBSniffer()

    func testDataFile() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/lmdb/data.mdb")))
        XCTAssertEqual(d.format, "lmdb")
        XCTAssertEqual(d.category, .dataset)
        XCTAssertEqual(d.summary.notes, ["400 entries"])
        XCTAssertEqual(details(d)["page_size"], "4096")
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")
    }

    func testSecondMetaPageRequired() {
        var b = fixture("positive/datasets/lmdb/data.mdb")
        b[4096 + 16] ^= 0xFF  // page 1's magic
        assertNotMine(memoryInput(b))
        assertNotMine(memoryInput(Array(b.prefix(4096))))
    }

    func testPageSizeMustBeAPowerOfTwo() {
        var b = fixture("positive/datasets/lmdb/data.mdb")
        b[40] = 0x01
        assertNotMine(memoryInput(b))
    }

    func testTruncatedSaysSo() throws {
        let b = fixture("positive/datasets/lmdb/data.mdb")
        let d = try XCTUnwrap(found(memoryInput(Array(b.prefix(3 * 4096)))))
        XCTAssertTrue(d.problems.first?.hasPrefix("truncated") ?? false, "\(d.problems)")
    }

    func testLockFileLayoutIsNotData() {
        // lock.mdb carries the magic at offset 0, not inside a meta page.
        var b = [UInt8](repeating: 0, count: 8192)
        b[0] = 0xDE; b[1] = 0xC0; b[2] = 0xEF; b[3] = 0xBE
        assertNotMine(memoryInput(b))
    }

    func testOthers() { assertClaimsOnly(["positive/datasets/lmdb/data.mdb"]) }
}
