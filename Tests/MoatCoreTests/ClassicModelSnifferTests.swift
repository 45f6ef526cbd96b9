import MoatBytes
@testable import MoatCore
import XCTest

final class XGBoostSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = XGBoostSniffer()

    func testUBJSONAndJSONSayTheSame() throws {
        for path in ["positive/models/xgb_model.ubj", "positive/models/xgb_model.json"] {
            let d = try XCTUnwrap(found(sniffInput(path)))
            XCTAssertEqual(d.category, .modelWeights)
            XCTAssertEqual(details(d)["trees"], "12", path)
            XCTAssertEqual(details(d)["features"], "8", path)
            XCTAssertEqual(details(d)["objective"], "binary:logistic", path)
        }
    }

    func testJSONWithoutTheBoosterIsNotMine() {
        assertNotMine(memoryInput(Array(#"{"learner": "Ada", "course": "ml"}"#.utf8)))
        assertNotMine(memoryInput(Array(#"{"name":"gradient_booster"}"#.utf8)))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/xgb_model.ubj", "positive/models/xgb_model.json"]) }
}

final class LightGBMSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = LightGBMSniffer()

    func testTextModel() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/lgbm_model.txt")))
        XCTAssertEqual(details(d)["trees"], "10")
        XCTAssertEqual(details(d)["features"], "8")
        XCTAssertEqual(details(d)["objective"], "binary sigmoid:1")
        XCTAssertEqual(details(d)["version"], "v4")
    }

    func testTextThatOnlyStartsLikeOneIsNotMine() {
        assertNotMine(memoryInput(Array("tree\nversion=v4\n\nplanted in spring\n".utf8)))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/lgbm_model.txt"]) }
}

final class CatBoostSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = CatBoostSniffer()

    func testBinaryModel() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/catboost_model.cbm")))
        XCTAssertEqual(details(d)["format"], "FlabuffersModel_v1")
        XCTAssertTrue(d.summary.notes.contains("Logloss"), "\(d.summary.notes)")
        XCTAssertTrue(d.summary.notes.contains("15 iterations"), "\(d.summary.notes)")
    }

    func testCoreSizeMustFit() {
        var b = fixture("positive/models/catboost_model.cbm")
        b[7] = 0x7F
        assertNotMine(memoryInput(b))
        assertNotMine(memoryInput(Array("CBM1".utf8) + [UInt8](repeating: 0x20, count: 64)))
    }

    func testOthers() { assertClaimsOnlyModels(["positive/models/catboost_model.cbm"]) }
}
