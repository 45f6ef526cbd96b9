import MoatBytes
@testable import MoatCore
import XCTest

final class HFDatasetMetadataSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = HFDatasetMetadataSniffer()

    func testDatasetInfo() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/hf_saved/dataset_info.json")))
        XCTAssertEqual(d.category, .modelAsset)
        XCTAssertEqual(d.label, "Hugging Face dataset info (dataset_info.json)")
        XCTAssertEqual(d.summary.notes, ["3 columns"])
        XCTAssertEqual(details(d)["column_names"], "question, answer, label")
    }

    func testState() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/hf_saved/state.json")))
        XCTAssertEqual(d.label, "Hugging Face dataset state (state.json)")
        XCTAssertEqual(d.summary.notes, ["1 Arrow shard"])
    }

    func testContentNotName() throws {
        // Renamed, still found; an ordinary JSON named state.json is not.
        _ = try XCTUnwrap(found(memoryInput(fixture("positive/datasets/hf_saved/state.json"), name: "x.json")))
        assertNotMine(memoryInput(Array(#"{"features": {"a": 1}, "name": "x"}"#.utf8), name: "dataset_info.json"))
        assertNotMine(memoryInput(Array(#"{"_fingerprint": "x"}"#.utf8), name: "state.json"))
    }

    func testOthers() {
        assertClaimsOnly(["positive/datasets/hf_saved/dataset_info.json", "positive/datasets/hf_saved/state.json"])
    }
}
