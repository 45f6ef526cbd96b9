import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class CSVSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = CSVSniffer()

    func testPandasCSV() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/ratings.csv")))
        XCTAssertEqual(d.format, "csv")
        XCTAssertEqual(d.label, "CSV table")
        XCTAssertEqual(details(d)["columns"], "5")
        XCTAssertEqual(details(d)["column_names"], "user_id, item_id, rating, timestamp, review")
        XCTAssertTrue(d.summary.notes[0].hasPrefix("5 columns, about "), "\(d.summary.notes)")
        XCTAssertTrue(d.isText)
    }

    func testQuotedDelimitersAndNewlines() throws {
        var text = "id\tcomment\tscore\n"
        var i = 0
        while text.utf8.count < CSVSniffer.minimumBytes + 10 {
            text += "\(i)\t\"a tab\there, and a\nnewline\"\t\(i % 5)\n"
            i += 1
        }
        let d = try XCTUnwrap(found(memoryInput(Array(text.utf8))))
        XCTAssertEqual(d.label, "TSV table")
        XCTAssertEqual(details(d)["columns"], "3")
    }

    func testThresholdAndNonTables() {
        let small = fixture("negative/datasets/small.csv")
        assertNotMine(memoryInput(small))
        // Prose and source code of the same size have no constant field count.
        var prose = ""
        var k = 0
        while prose.utf8.count < CSVSniffer.minimumBytes + 10 {
            prose += String(repeating: "word, ", count: k % 7) + "end of line \(k).\n"
            k += 1
        }
        assertNotMine(memoryInput(Array(prose.utf8)))
        // A C table of numbers (constant columns, but indented and ending with a comma).
        var table = "static const unsigned char t[] = {\n"
        while table.utf8.count < CSVSniffer.minimumBytes + 10 { table += "   0,  1,  2,  2,  3,  3,  3,  3,\n" }
        assertNotMine(memoryInput(Array(table.utf8)))
        assertNotMine(memoryInput(Array(table.replacingOccurrences(of: "   0", with: "0").utf8)))
        let code = String(decoding: fixture("negative/train_utils.py"), as: UTF8.self)
        assertNotMine(memoryInput(Array(String(repeating: code, count: CSVSniffer.minimumBytes / code.utf8.count + 1).utf8)))
    }

    func testOthers() { assertClaimsOnly(["positive/datasets/ratings.csv"]) }
}
