import MoatBytes
@testable import MoatCore
import XCTest

final class ParquetSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = ParquetSniffer()

    func testPandasParquet() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/reviews.parquet")))
        XCTAssertEqual(d.format, "parquet")
        XCTAssertEqual(d.category, .dataset)
        XCTAssertEqual(d.label, "Parquet dataset")
        XCTAssertEqual(details(d)["rows"], "3000")
        XCTAssertEqual(details(d)["columns"], "5")
        XCTAssertEqual(details(d)["column_names"], "id, text, label, score, lang")
        XCTAssertEqual(d.summary.notes.first, "3,000 rows × 5 columns")
        XCTAssertTrue(d.summary.notes.contains("pandas schema"))
        XCTAssertTrue(details(d)["created_by"]?.hasPrefix("parquet-cpp-arrow") ?? false, "\(details(d))")
        XCTAssertTrue(d.problems.isEmpty)
    }

    func testHuggingFaceParquet() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/train-00000-of-00001.parquet")))
        XCTAssertEqual(d.summary.notes, ["400 rows × 3 columns", "Hugging Face datasets schema"])
    }

    func testTailOutOfReachFallsBackToThePageHeader() throws {
        // A packed blob read as a stream holding only its first 64 KiB: no footer, but the page header after PAR1.
        let bytes = fixture("positive/datasets/reviews.parquet")
        let input = SniffInput(path: PathBytes("x"), source: streamSource(bytes, cap: 64 * 1024))
        let d = try XCTUnwrap(found(input))
        XCTAssertNil(details(d)["rows"])
        XCTAssertTrue(d.summary.notes.contains("footer not read (beyond the bytes read)"))
    }

    func testTruncatedParquetIsStillOneButSaysSo() throws {
        let bytes = fixture("positive/datasets/reviews.parquet")
        let d = try XCTUnwrap(found(memoryInput(Array(bytes.prefix(bytes.count / 2)))))
        XCTAssertEqual(d.problems, ["no footer: truncated or not closed"])
    }

    func testFooterLengthBeyondTheFileIsNotTrusted() throws {
        var bytes = fixture("positive/datasets/reviews.parquet")
        let n = bytes.count
        for (k, v) in [0xFF, 0xFF, 0xFF, 0x7F].enumerated() { bytes[n - 8 + k] = UInt8(v) }
        let d = try XCTUnwrap(found(memoryInput(bytes)))
        XCTAssertNil(details(d)["rows"])
        XCTAssertFalse(d.problems.isEmpty)
    }

    func testMagicAloneIsNothing() {
        // PAR1 at both ends around random bytes: neither a page header nor a footer.
        var b = ascii("PAR1") + pseudoRandomBytes(4096)
        b += [0x10, 0, 0, 0] + ascii("PAR1")
        b[4] = 0x99
        assertNotMine(memoryInput(b))
        assertNotMine(memoryInput(ascii("PAR1")))
        assertNotMine(memoryInput([]))
    }

    func testFooterParserSurvivesEveryCut() {
        let bytes = fixture("positive/datasets/reviews.parquet")
        let len = Int(bytes.u32le(bytes.count - 8) ?? 0)
        let footer = Array(bytes[(bytes.count - 8 - len)..<(bytes.count - 8)])
        XCTAssertEqual(ParquetSniffer.parseFooter(footer)?.rows, 3000)
        for cut in stride(from: 0, to: footer.count, by: 7) { _ = ParquetSniffer.parseFooter(Array(footer.prefix(cut))) }
        var hostile = footer
        for i in stride(from: 0, to: hostile.count, by: 11) { hostile[i] = 0xFF }
        _ = ParquetSniffer.parseFooter(hostile)
    }

    func testOthers() {
        assertClaimsOnly(["positive/datasets/reviews.parquet", "positive/datasets/train-00000-of-00001.parquet"])
    }
}
