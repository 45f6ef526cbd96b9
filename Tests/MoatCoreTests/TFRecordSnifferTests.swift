import MoatBytes
@testable import MoatCore
import XCTest

final class TFRecordSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TFRecordSniffer()

    func testCRC32CKnownValues() {
        // RFC 3720 B.4: 32 bytes of zeros, and "123456789" (the CRC catalogue check value).
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    }

    func testPlainFile() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/train.tfrecord")))
        XCTAssertEqual(d.format, "tfrecord")
        XCTAssertEqual(d.summary.notes, ["300 records", "tf.train.Example"])
        XCTAssertEqual(details(d)["records"], "300")
    }

    func testGzipFile() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/train.tfrecord.gz")))
        XCTAssertEqual(d.summary.notes, ["300 records", "tf.train.Example", "compressed"])
    }

    func testCorruptCRCsAreNotTFRecord() {
        var b = fixture("positive/datasets/train.tfrecord")
        b[9] ^= 1  // the first length CRC
        assertNotMine(memoryInput(b))
        b = fixture("positive/datasets/train.tfrecord")
        b[20] ^= 1  // inside the first record's data: its data CRC fails
        assertNotMine(memoryInput(b))
    }

    func testCutFileCountsAtLeast() throws {
        let b = fixture("positive/datasets/train.tfrecord")
        let d = try XCTUnwrap(found(memoryInput(Array(b.prefix(b.count / 2)))))
        XCTAssertTrue(d.summary.notes[0].hasPrefix("at least"), "\(d.summary.notes)")
        XCTAssertNil(details(d)["records"])
    }

    func testHostileLength() throws {
        // A record header whose length CRC is right but whose length runs past the file.
        var len: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        let crc = CRC32C.masked(len)
        len += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
        assertNotMine(memoryInput(len + [UInt8](repeating: 0, count: 64)))
    }

    /// A spec-exact record: length, masked CRC of the length, data, masked CRC of the data.
    static func record(_ data: [UInt8]) -> [UInt8] {
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        let len = le(UInt64(data.count), 8)
        return len + le(UInt64(CRC32C.masked(len)), 4) + data + le(UInt64(CRC32C.masked(data)), 4)
    }

    func testManyRecordsAreEstimatedPastTheWalk() throws {
        let n = TFRecordSniffer.maxRecords * 3
        let bytes = (0..<n).flatMap { TFRecordSnifferTests.record(Array("sample \($0 % 10)".utf8)) }
        let d = try XCTUnwrap(found(memoryInput(bytes)))
        XCTAssertEqual(details(d)["records_estimated"], String(n))
        XCTAssertNil(details(d)["records"])
        XCTAssertEqual(d.summary.notes, ["about 12.3K records (estimated)"])
    }

    func testOthers() {
        assertClaimsOnly(["positive/datasets/train.tfrecord", "positive/datasets/train.tfrecord.gz"])
    }
}
