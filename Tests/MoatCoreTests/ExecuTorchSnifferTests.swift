import MoatBytes
@testable import MoatCore
import XCTest

final class ExecuTorchSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = ExecuTorchSniffer()

    func testProgramWithConstantSegments() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/mlp.pte")))
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(details(d)["schema"], "ET12")
        // The 1,669 float32 constants of the source net, 64-byte aligned per tensor.
        XCTAssertGreaterThanOrEqual(d.summary.tensorBytes ?? 0, 1669 * 4)
        XCTAssertLessThan(d.summary.tensorBytes ?? 0, 1669 * 4 + 4 * 64)
        XCTAssertTrue(d.problems.isEmpty, "\(d.problems)")
    }

    func testCutProgramSaysSo() throws {
        let d = try XCTUnwrap(found(memoryInput(Array(fixture("positive/models/mlp.pte").prefix(4096)))))
        XCTAssertTrue(d.problems.first?.hasPrefix("truncated") ?? false, "\(d.problems)")
    }

    func testIdentifierAndSizesMustHold() {
        var b = fixture("positive/models/mlp.pte")
        b[6] = UInt8(ascii: "x")
        assertNotMine(memoryInput(b))
        var c = fixture("positive/models/mlp.pte")
        c[23] = 0x7F  // program size far past the file
        assertNotMine(memoryInput(c))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/mlp.pte"]) }
}
