import MoatBytes
@testable import MoatCore
import XCTest

final class ArrowIPCSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = ArrowIPCSniffer()

    func testArrowFile() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/reviews.arrow")))
        XCTAssertEqual(d.format, "arrow-file")
        XCTAssertEqual(d.label, "Arrow IPC file (Feather v2)")
        XCTAssertEqual(d.summary.notes.first, "1,500 rows × 5 columns")
        XCTAssertEqual(details(d)["record_batches"], "3")
        XCTAssertEqual(details(d)["column_names"], "id, text, label, score, lang")
        XCTAssertTrue(d.problems.isEmpty)
    }

    func testFeatherV2WithCompressedBodies() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/reviews.feather")))
        XCTAssertEqual(d.format, "arrow-file")
        XCTAssertEqual(details(d)["rows"], "1500")
    }

    func testStreamAndHuggingFaceShard() throws {
        let s = try XCTUnwrap(found(sniffInput("positive/datasets/events.arrows")))
        XCTAssertEqual(s.format, "arrow-stream")
        XCTAssertEqual(s.label, "Arrow IPC stream")
        XCTAssertEqual(s.summary.notes.first, "2,000 rows × 3 columns")
        XCTAssertEqual(details(s)["record_batches"], "4")
        let hf = try XCTUnwrap(found(sniffInput("positive/datasets/hf_saved/data-00000-of-00001.arrow")))
        XCTAssertEqual(hf.label, "Hugging Face datasets Arrow shard")
        XCTAssertEqual(hf.summary.notes.first, "400 rows × 3 columns")
        XCTAssertEqual(details(hf)["column_names"], "question, answer, label")
    }

    func testCutStreamCountsWhatItSaw() throws {
        let bytes = fixture("positive/datasets/events.arrows")
        let d = try XCTUnwrap(found(memoryInput(Array(bytes.prefix(bytes.count * 2 / 3)))))
        XCTAssertNil(details(d)["rows"])
        XCTAssertTrue(details(d)["record_batches"]?.hasSuffix("+") ?? false)
        let file = fixture("positive/datasets/reviews.arrow")
        let cut = try XCTUnwrap(found(memoryInput(Array(file.prefix(file.count - 100)))))
        XCTAssertEqual(cut.problems, ["no footer: truncated or not closed"])
    }

    func testHostileLengths() {
        var b = fixture("positive/datasets/events.arrows")
        // Metadata length not a multiple of 8, then one beyond the file.
        b[4] = b[4] &+ 1
        assertNotMine(memoryInput(b))
        b[4] = 0xF8; b[5] = 0xFF; b[6] = 0xFF; b[7] = 0x7F
        assertNotMine(memoryInput(b))
        // A continuation marker and a plausible length before random bytes.
        assertNotMine(memoryInput([0xFF, 0xFF, 0xFF, 0xFF, 0x40, 0, 0, 0] + pseudoRandomBytes(4096)))
        assertNotMine(memoryInput(ascii("ARROW1") + [0, 0] + pseudoRandomBytes(4096)))
    }

    func testOthers() {
        assertClaimsOnly(["positive/datasets/reviews.arrow", "positive/datasets/reviews.feather", "positive/datasets/events.arrows",
                          "positive/datasets/hf_saved/data-00000-of-00001.arrow"])
    }
}
