import Foundation
import MoatCore
import XCTest
@testable import MoatReport

final class SarifReportTests: XCTestCase {
    typealias F = ReportFixtures

    /// Every fixture result is valid against the official OASIS SARIF 2.1.0 schema.
    func testEveryResultValidatesAgainstTheOfficialSchema() throws {
        let schema = SchemaValidator.fixtures.appendingPathComponent("sarif/sarif-schema-2.1.0.json")
        XCTAssertTrue(FileManager.default.fileExists(atPath: schema.path), "the schema is part of the repository: \(schema.path)")
        try SchemaValidator.requirePython()
        for (name, result) in F.all {
            let sarif = SarifReport().render(result)
            let errors = try SchemaValidator.errors(sarif, schema: schema, validator: "Draft4Validator")
            XCTAssertEqual(errors, "", "\(name):\n\(errors)\n\(sarif)")
        }
    }

    /// The validation can fail: a broken document is reported.
    func testTheSchemaCheckRejectsAnInvalidLog() throws {
        let schema = SchemaValidator.fixtures.appendingPathComponent("sarif/sarif-schema-2.1.0.json")
        try SchemaValidator.requirePython()
        let broken = SarifReport().render(F.result([F.secret()])).replacingOccurrences(of: "\"startLine\": 12", with: "\"startLine\": 0")
        XCTAssertNotEqual(try SchemaValidator.errors(broken, schema: schema, validator: "Draft4Validator"), "")
    }

    func testResultsCarryWhatCodeScanningNeeds() throws {
        let r = F.result([F.artifact(), F.secret(), F.history()], mode: .history)
        let log = try F.json(SarifReport().render(r))
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        let run = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        let driver = try XCTUnwrap((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "moat")
        XCTAssertEqual(driver["version"] as? String, MoatVersion.version)
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        XCTAssertEqual(rules.compactMap { $0["id"] as? String }, ["artifact.pytorch-zip", "secret.huggingface-token", "artifact.safetensors"],
                       "one rule per rule id that fired, in result order")
        for rule in rules {
            XCTAssertNotNil((rule["shortDescription"] as? [String: Any])?["text"] as? String)
            XCTAssertNotNil((rule["fullDescription"] as? [String: Any])?["text"] as? String)
            XCTAssertNil(rule["helpUri"], "no link until the project publishes an address")
        }
        let help = try XCTUnwrap((rules[0]["help"] as? [String: Any])?["text"] as? String)
        XCTAssertTrue(help.contains("git filter-repo"), "history mode gives history advice: \(help)")
        let secretHelp = try XCTUnwrap((rules[1]["help"] as? [String: Any])?["text"] as? String)
        XCTAssertTrue(secretHelp.contains("revoke or rotate"), secretHelp)
        XCTAssertEqual(rules[0]["name"] as? String, "ArtifactPytorchZip")

        let results = try XCTUnwrap(run["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["level"] as? String }, ["error", "error", "warning"])
        XCTAssertEqual(results.map { $0["ruleIndex"] as? Int }, [0, 1, 2])
        for res in results {
            let fp = (res["partialFingerprints"] as? [String: String])?[SarifReport.fingerprintKey]
            XCTAssertNotNil(fp, "partialFingerprints under \(SarifReport.fingerprintKey)")
            let location = try XCTUnwrap((res["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            let artifact = try XCTUnwrap(location["artifactLocation"] as? [String: Any])
            XCTAssertEqual(artifact["uriBaseId"] as? String, "%SRCROOT%")
            XCTAssertFalse((artifact["uri"] as? String ?? "/").hasPrefix("/"), "relative uri")
        }
        // Binary: no region. Text: line and column.
        let artifactLoc = (results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
        XCTAssertNil(artifactLoc?["region"])
        let region = ((results[1]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Int]
        XCTAssertEqual(region, ["startLine": 12, "startColumn": 17])
        // History: the commit is in the properties.
        let props = try XCTUnwrap(results[2]["properties"] as? [String: Any])
        XCTAssertEqual(props["commit"] as? String, F.commit)
        XCTAssertEqual(props["category"] as? String, "model-weights")
        XCTAssertEqual(props["format"] as? String, "safetensors")
        XCTAssertEqual(props["parameters"] as? Int, 9180)
        XCTAssertEqual(props["severity"] as? String, "warn")
        XCTAssertEqual(props["inHead"] as? Bool, false)
        let root = (run["originalUriBaseIds"] as? [String: Any])?["%SRCROOT%"] as? [String: Any]
        XCTAssertEqual(root?["uri"] as? String, "file:///work/my%20repo/")
    }

    func testSecretValuesOnlyWhenAskedFor() {
        let hidden = SarifReport().render(F.result([F.secret()]))
        XCTAssertFalse(hidden.contains(F.secretValue), hidden)
        XCTAssertTrue(hidden.contains("hf_Ab…89"), "the preview is shown")
        let shown = SarifReport().render(F.result([F.secret(showValue: true)]))
        XCTAssertTrue(shown.contains("\"secretValue\": \"\(F.secretValue)\""), shown)
    }

    func testPathsArePercentEncodedURIReferences() throws {
        let log = try F.json(SarifReport().render(F.result([F.nonUTF8(), F.hostileFinding()])))
        let results = try XCTUnwrap(((log["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
        let uris = results.compactMap { (($0["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any] }
            .compactMap { $0["uri"] as? String }
        XCTAssertTrue(uris.contains("d%201/f%FF.bin"), "\(uris)")
        let hostile = try XCTUnwrap(uris.first { $0.hasPrefix("dir/") })
        XCTAssertNil(hostile.first { !"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/%".contains($0) }, hostile)
        XCTAssertEqual(FindingText.uriReference(Array("a:b/c d".utf8)), "a%3Ab/c%20d", "a colon cannot read as a scheme")
    }

    func testEmptyResultHasNoRulesAndNoResults() throws {
        let log = try F.json(SarifReport().render(F.result([])))
        let run = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual((run["results"] as? [Any])?.count, 0)
        XCTAssertEqual((((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [Any])?.count, 0)
    }

    func testLevelsAndNames() {
        XCTAssertEqual(Severity.allCases.map(SarifReport.level), ["note", "warning", "error"])
        XCTAssertEqual(SarifReport.pascalName("config.dot-env"), "ConfigDotEnv")
        XCTAssertEqual(SarifReport.pascalName("..."), "Rule")
    }
}
