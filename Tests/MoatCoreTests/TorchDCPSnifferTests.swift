import MoatBytes
@testable import MoatCore
import XCTest

final class TorchDCPSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TorchDCPSniffer()

    func testMetadataOfModelAndAdamW() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/dcp/.metadata")))
        XCTAssertEqual(d.category, .trainingCheckpoint)
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 20 * 30 + 30 + 30 * 5 + 5)
        XCTAssertEqual(d.summary.dtypes, ["float32"])
        XCTAssertEqual(d.summary.optimizer, "Adam/AdamW")
    }

    func testOtherPicklesAreNotMine() {
        assertNotMine(sniffInput("negative/plain_dict.pkl"))
        assertNotMine(sniffInput("positive/weights_p4.pkl"))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/dcp/.metadata"]) }
}
