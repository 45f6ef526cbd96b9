import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class WebDatasetSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = WebDatasetSniffer()

    func testShard() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/shard-000000.tar")))
        XCTAssertEqual(d.format, "webdataset")
        XCTAssertEqual(d.summary.notes, ["40 samples (cls, jpg, json)"])
        XCTAssertEqual(details(d)["files"], "120")
    }

    func testGroupingRules() {
        XCTAssertEqual(WebDatasetSniffer.sampleFields(["a/000.jpg", "a/000.cls", "a/001.jpg", "a/001.cls"]), ["cls", "jpg"])
        XCTAssertEqual(WebDatasetSniffer.sampleFields(["000.seg.png", "000.jpg", "001.seg.png", "001.jpg"]), ["jpg", "seg.png"])
        // Interleaved keys, one field per key, source files: not samples.
        XCTAssertNil(WebDatasetSniffer.sampleFields(["000.jpg", "001.jpg", "000.cls", "001.cls"]))
        XCTAssertNil(WebDatasetSniffer.sampleFields(["000.jpg", "001.jpg", "002.jpg", "003.jpg"]))
        XCTAssertNil(WebDatasetSniffer.sampleFields(["src/a.py", "src/a.pyc", "src/b.py", "src/b.pyc"]))
        XCTAssertNil(WebDatasetSniffer.sampleFields(["000.jpg", "000.cls"]))
    }

    func testHeaderChecksumAndSizes() {
        var b = fixture("positive/datasets/shard-000000.tar")
        b[148] = UInt8(ascii: "7")  // checksum digit
        assertNotMine(memoryInput(b))
        XCTAssertNil(WebDatasetSniffer.octal(ArraySlice(Array("99999999999999999999999".utf8))))
        XCTAssertNil(WebDatasetSniffer.dataSize(ArraySlice([0xFF] + [UInt8](repeating: 0xFF, count: 11))))
        XCTAssertNil(WebDatasetSniffer.dataSize(ArraySlice([0x80] + [UInt8](repeating: 0xFF, count: 11))))
    }

    func testHugeBase256SizeDoesNotTrap() throws {
        // The second header's size set to Int.max in base-256 (checksum fixed): the walk stops there.
        var b = fixture("positive/datasets/shard-000000.tar")
        var p = 0
        repeat { p += 512 + (WebDatasetSniffer.header(Array(b[p..<(p + 512)]))!.2 + 511) / 512 * 512 } while b[p + 156] == UInt8(ascii: "x")
        b.replaceSubrange((p + 124)..<(p + 136), with: [0x80, 0, 0, 0, 0x7F] + [UInt8](repeating: 0xFF, count: 7))
        var sum = 8 * 0x20
        for i in 0..<512 where !(148..<156).contains(i) { sum += Int(b[p + i]) }
        b.replaceSubrange((p + 148)..<(p + 156), with: Array(String(format: "%06o", sum).utf8) + [0, 0x20])
        XCTAssertEqual(WebDatasetSniffer.header(Array(b[p..<(p + 512)]))?.2, Int.max)
        _ = sniffer.sniff(memoryInput(b))
    }

    func testCutShardCountsAtLeast() throws {
        let b = fixture("positive/datasets/shard-000000.tar")
        let d = try XCTUnwrap(found(memoryInput(Array(b.prefix(b.count / 2 + 100)))))
        XCTAssertTrue(d.summary.notes[0].hasPrefix("at least"), "\(d.summary.notes)")
    }

    func testOthers() { assertClaimsOnly(["positive/datasets/shard-000000.tar"]) }
}
