@testable import MoatGit
import XCTest

final class OIDTableTests: XCTestCase {
    private func key(_ a: UInt64, _ b: UInt64, _ c: UInt32) -> OIDKey {
        var bytes = [UInt8](repeating: 0, count: 20)
        withUnsafeBytes(of: a) { bytes.replaceSubrange(0..<8, with: $0) }
        withUnsafeBytes(of: b) { bytes.replaceSubrange(8..<16, with: $0) }
        withUnsafeBytes(of: c) { bytes.replaceSubrange(16..<20, with: $0) }
        return bytes.withUnsafeBytes { OIDKey(raw: $0.baseAddress!) }
    }

    func testInsertLookupAndGrowth() {
        let table = OIDTable(minimumCapacity: 4)
        for i in 0..<50_000 { XCTAssertTrue(table.insert(key(UInt64(i) &* 0x9E37_79B9, UInt64(i), UInt32(i)), value: Int32(i))) }
        XCTAssertEqual(table.count, 50_000)
        for i in stride(from: 0, to: 50_000, by: 7) {
            XCTAssertEqual(table.value(key(UInt64(i) &* 0x9E37_79B9, UInt64(i), UInt32(i))), Int32(i))
        }
        XCTAssertFalse(table.insert(key(0, 0, 0), value: 99), "present: not replaced")
        XCTAssertEqual(table.value(key(0, 0, 0)), 0)
        XCTAssertNil(table.value(key(1, 2, 3)))
        XCTAssertFalse(table.contains(key(0, 0, 1)))
    }

    func testKeysDifferingOnlyInTheirLastBytesAreAllKept() {
        // Crafted ids can share any prefix; each must still be its own entry.
        let table = OIDTable()
        for i in 0..<20_000 { table.insert(key(0xDEAD_BEEF, 42, UInt32(i)), value: Int32(i)) }
        for i in 0..<20_000 { table.insert(key(0xDEAD_BEEF, UInt64(i), 7), value: Int32(-i)) }
        XCTAssertEqual(table.count, 40_000 - 1, "(42, 7) is in both runs")
        XCTAssertEqual(table.value(key(0xDEAD_BEEF, 42, 7)), 7, "the first insert stays")
        XCTAssertEqual(table.value(key(0xDEAD_BEEF, 42, 19_999)), 19_999)
        XCTAssertEqual(table.value(key(0xDEAD_BEEF, 19_999, 7)), -19_999)
    }
}
