import Foundation
import XCTest
import Yams

/// scripts/ci/moat-ci.sh, which action.yml and ci/moat.gitlab-ci.yml run, driven with the
/// environment GitHub and GitLab set, against a real repository; and the two CI files themselves.
final class CIScriptTests: XCTestCase {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = project.appendingPathComponent("scripts/ci/moat-ci.sh")

    var repo: URL!
    var scratch: URL!
    /// The base commit holds a leak that was merged long ago; the pull request adds its own.
    var base = "", clean = "", leak = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        repo = try CLI.makeRepository()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("moat-ci-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try CLI.write("AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM2\nAWS_SECRET_ACCESS_KEY=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\n", to: "old/aws.env", in: repo)
        base = try commit("base with an old leak")
        try CLI.write("print('train')\n", to: "train.py", in: repo)
        clean = try commit("clean work")
        try CLI.write("HF_TOKEN=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\n", to: "config/.env", in: repo)
        leak = try commit("a token")
    }

    override func tearDownWithError() throws {
        for dir in [repo, scratch] { if let dir { try? FileManager.default.removeItem(at: dir) } }
    }

    func commit(_ message: String) throws -> String {
        try CLI.git(["add", "-A"], in: repo)
        try CLI.git(["commit", "-q", "-m", message], in: repo)
        return try CLI.git(["rev-parse", "HEAD"], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func file(_ name: String) -> URL { scratch.appendingPathComponent(name) }

    func read(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// The script as a GitHub runner would run it for `event` with `payload`.
    func github(event: String, payload: [String: Any], extra: [String: String?] = [:]) throws -> CLI.Result {
        let eventFile = file("event.json")
        try JSONSerialization.data(withJSONObject: payload).write(to: eventFile)
        for name in ["summary.md", "output.txt"] { try Data().write(to: file(name)) }
        var env: [String: String?] = [
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": eventFile.path,
            "GITHUB_STEP_SUMMARY": file("summary.md").path, "GITHUB_OUTPUT": file("output.txt").path,
            "RUNNER_TEMP": scratch.path, "MOAT_BIN": CLI.moat.path, "GITLAB_CI": nil, "MOAT_CI": nil,
        ]
        for (k, v) in extra { env[k] = v }
        return try CLI.run(Self.script, [], in: repo, environment: env)
    }

    func pullRequest(base: String, head: String) -> [String: Any] {
        ["pull_request": ["base": ["sha": base], "head": ["sha": head]]]
    }

    /// GITHUB_OUTPUT as a dictionary.
    func outputs() -> [String: String] {
        var out: [String: String] = [:]
        for line in read(file("output.txt")).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    func testGitHubPullRequestWithALeakFailsAndWritesEveryReport() throws {
        let r = try github(event: "pull_request", payload: pullRequest(base: base, head: leak))
        XCTAssertEqual(r.status, 1, r.stderr)
        // Annotations for the pull request, on stdout.
        XCTAssertTrue(r.stdout.contains("::error file=config/.env,line=1"), r.stdout)
        XCTAssertFalse(r.stdout.contains("old/aws.env"), "the base's old leak is not in the pull request")
        XCTAssertFalse(r.stdout.contains("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"), "a full secret was printed")
        let out = outputs()
        XCTAssertEqual(out["exit-code"], "1")
        XCTAssertEqual(out["range"], "\(base)..\(leak)")
        let sarifPath = try XCTUnwrap(out["sarif"])
        XCTAssertTrue(sarifPath.hasPrefix(scratch.path + "/moat/"), sarifPath)
        let sarif = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: sarifPath))) as? [String: Any])
        XCTAssertEqual(sarif["version"] as? String, "2.1.0")
        let results = ((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        XCTAssertEqual(results.count, 1)
        XCTAssertTrue("\(results)".contains("config/.env"), "\(results)")
        let report = try CLI.json(read(URL(fileURLWithPath: try XCTUnwrap(out["json"]))))
        XCTAssertEqual(CLI.findings(report).compactMap { $0["path"] as? String }, ["config/.env"])
        let summary = read(file("summary.md"))
        XCTAssertTrue(summary.hasPrefix("## moat: 1 blocking"), summary)
        XCTAssertEqual(summary, read(URL(fileURLWithPath: try XCTUnwrap(out["markdown"]))))
    }

    func testGitHubCleanPullRequestPasses() throws {
        let r = try github(event: "pull_request", payload: pullRequest(base: base, head: clean))
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(outputs()["exit-code"], "0")
        XCTAssertTrue(read(file("summary.md")).contains("moat"), read(file("summary.md")))
    }

    func testGitHubFullHistoryOnDemandFindsTheOldLeak() throws {
        let r = try github(event: "pull_request", payload: pullRequest(base: base, head: clean), extra: ["MOAT_SCAN": "full"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(outputs()["range"], "")
        let paths = CLI.findings(try CLI.json(read(URL(fileURLWithPath: outputs()["json"] ?? "")))).compactMap { $0["path"] as? String }
        XCTAssertEqual(Set(paths), ["old/aws.env", "config/.env"])
    }

    func testGitHubPushesAndOtherEvents() throws {
        // A push: before..after.
        XCTAssertEqual(try github(event: "push", payload: ["before": base, "after": clean]).status, 0)
        XCTAssertEqual(outputs()["range"], "\(base)..\(clean)")
        // A new branch (before = zeros) and a scheduled run: the whole history.
        let zeros = String(repeating: "0", count: 40)
        XCTAssertEqual(try github(event: "push", payload: ["before": zeros, "after": clean]).status, 1)
        XCTAssertEqual(outputs()["range"], "")
        XCTAssertEqual(try github(event: "schedule", payload: [:]).status, 1)
        // An explicit range wins over the event.
        XCTAssertEqual(try github(event: "schedule", payload: [:], extra: ["MOAT_RANGE": "\(base)..\(clean)"]).status, 0)
        // MOAT_ARGS reach moat: --no-secrets leaves nothing in the whole history.
        XCTAssertEqual(try github(event: "schedule", payload: [:], extra: ["MOAT_ARGS": "--no-secrets"]).status, 0)
    }

    func testABaseThatIsNotInTheCloneIsAnErrorNotAPass() throws {
        let missing = String(repeating: "1", count: 40)
        let r = try github(event: "pull_request", payload: pullRequest(base: missing, head: leak))
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("commit \(missing) (the base of the range) is not in this clone"), r.stderr)
        XCTAssertEqual(try github(event: "schedule", payload: [:], extra: ["MOAT_BIN": "/nonexistent/moat"]).status, 2)
        XCTAssertEqual(try github(event: "schedule", payload: [:], extra: ["MOAT_SCAN": "range"]).status, 2)
    }

    /// The script as a GitLab runner would run it.
    func gitlab(_ variables: [String: String?]) throws -> CLI.Result {
        var env: [String: String?] = ["GITLAB_CI": "true", "CI_PROJECT_DIR": scratch.path, "CI_COMMIT_SHA": leak,
                                      "MOAT_BIN": CLI.moat.path, "GITHUB_ACTIONS": nil, "MOAT_CI": nil]
        for (k, v) in variables { env[k] = v }
        return try CLI.run(Self.script, [], in: repo, environment: env)
    }

    func gitlabReport() throws -> [String: Any] {
        let data = try Data(contentsOf: file("gl-secret-detection-report.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testGitLabMergeRequestWritesTheSecretDetectionReport() throws {
        let r = try gitlab(["CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stdout.contains("BLOCK config/.env:1"), r.stdout)
        XCTAssertTrue(r.stderr.contains("scanning \(base)..\(leak) (gitlab, merge_request_event)"), r.stderr)
        let vulnerabilities = try gitlabReport()["vulnerabilities"] as? [[String: Any]] ?? []
        XCTAssertEqual(vulnerabilities.count, 1)
        XCTAssertTrue("\(vulnerabilities)".contains("config/.env"), "\(vulnerabilities)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("moat.json").path))
    }

    func testGitLabPushPipelines() throws {
        // A push to an existing branch: before..sha.
        let update = try gitlab(["CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": base, "CI_COMMIT_SHA": clean])
        XCTAssertEqual(update.status, 0, update.stdout + update.stderr)
        XCTAssertEqual((try gitlabReport()["vulnerabilities"] as? [[String: Any]])?.count, 0)
        // A new branch (before = zeros): the whole history, old leak included.
        let created = try gitlab(["CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": String(repeating: "0", count: 40), "CI_COMMIT_SHA": clean])
        XCTAssertEqual(created.status, 1, created.stderr)
        XCTAssertTrue(created.stderr.contains("scanning the whole history"), created.stderr)
        XCTAssertEqual((try gitlabReport()["vulnerabilities"] as? [[String: Any]])?.count, 3, "the old key pair and the new token")
    }

    // MARK: the CI files

    func yaml(_ relative: String) throws -> [String: Any] {
        let text = try String(contentsOf: Self.project.appendingPathComponent(relative), encoding: .utf8)
        return try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any], "\(relative) is not a YAML mapping")
    }

    /// `${{ inputs.x }}` and `inputs.x` references in a text.
    func references(_ prefix: String, in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "\\b\(prefix)\\.([A-Za-z0-9_-]+)")
        return Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        })
    }

    func testActionYamlDeclaresWhatItUsesAndRunsTheScript() throws {
        let action = try yaml("action.yml")
        let text = try String(contentsOf: Self.project.appendingPathComponent("action.yml"), encoding: .utf8)
        let inputs = try XCTUnwrap(action["inputs"] as? [String: Any])
        XCTAssertEqual(references("inputs", in: text), Set(inputs.keys), "inputs used and inputs declared differ")
        let runs = try XCTUnwrap(action["runs"] as? [String: Any])
        XCTAssertEqual(runs["using"] as? String, "composite")
        let steps = try XCTUnwrap(runs["steps"] as? [[String: Any]])
        for step in steps where step["run"] != nil { XCTAssertEqual(step["shell"] as? String, "bash", "\(step)") }

        // The scan step runs the script with variables the script reads; its outputs are the script's.
        let scan = try XCTUnwrap(steps.first { $0["id"] as? String == "scan" })
        XCTAssertTrue((scan["run"] as? String ?? "").contains("$GITHUB_ACTION_PATH/scripts/ci/moat-ci.sh"))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.script.path))
        let script = try String(contentsOf: Self.script, encoding: .utf8)
        for name in (scan["env"] as? [String: Any] ?? [:]).keys {
            XCTAssertTrue(script.contains("${\(name)"), "the script never reads \(name)")
        }
        let outputs = try XCTUnwrap(action["outputs"] as? [String: [String: Any]])
        for (name, output) in outputs {
            XCTAssertEqual(output["value"] as? String, "${{ steps.scan.outputs.\(name) }}")
            XCTAssertTrue(script.contains("echo \"\(name)="), "the script never sets the output \(name)")
        }
        // Every step output used is set by a step with that id.
        let ids = Set(steps.compactMap { $0["id"] as? String })
        XCTAssertEqual(Set(references("steps", in: text)).subtracting(ids), [])
        XCTAssertTrue(text.contains("$GITHUB_ACTION_PATH/scripts/setup.sh"))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.project.appendingPathComponent("scripts/setup.sh").path))

        let uses = steps.compactMap { $0["uses"] as? String }
        XCTAssertEqual(uses, ["actions/cache@v4", "github/codeql-action/upload-sarif@v3"])
        let upload = try XCTUnwrap(steps.last)
        XCTAssertTrue((upload["if"] as? String ?? "").hasPrefix("always()"), "SARIF must be uploaded when the scan fails too")
        // The cache is keyed on the hash of the sources that the hash step computes.
        let cache = try XCTUnwrap(steps.first { $0["uses"] as? String == "actions/cache@v4" }?["with"] as? [String: Any])
        XCTAssertTrue((cache["key"] as? String ?? "").contains("steps.source.outputs.hash"))
        XCTAssertEqual(cache["path"] as? String, "~/.cache/moat-action/build")
        XCTAssertTrue((steps.first { $0["id"] as? String == "build" }?["run"] as? String ?? "").contains("--scratch-path \"$HOME/.cache/moat-action/build\""))
    }

    func testGitLabTemplateRunsTheScriptAndPublishesItsReport() throws {
        let template = try yaml("ci/moat.gitlab-ci.yml")
        let job = try XCTUnwrap(template["moat"] as? [String: Any])
        let script = (job["script"] as? [String] ?? []).joined(separator: "\n")
        XCTAssertTrue(script.contains(".moat/src/scripts/ci/moat-ci.sh"), script)
        XCTAssertTrue(script.contains("MOAT_CI=gitlab"), script)
        let artifacts = try XCTUnwrap(job["artifacts"] as? [String: Any])
        let reports = try XCTUnwrap(artifacts["reports"] as? [String: Any])
        // The file the script writes in GitLab mode.
        XCTAssertEqual(reports["secret_detection"] as? String, "gl-secret-detection-report.json")
        XCTAssertTrue(try String(contentsOf: Self.script, encoding: .utf8).contains("$dir/gl-secret-detection-report.json"))
        XCTAssertEqual(artifacts["when"] as? String, "always")
        XCTAssertEqual((job["variables"] as? [String: Any])?["GIT_DEPTH"] as? String, "0")
        let variables = try XCTUnwrap(template["variables"] as? [String: Any])
        for name in ["MOAT_SCAN", "MOAT_ARGS"] {
            XCTAssertNotNil(variables[name])
            XCTAssertTrue(try String(contentsOf: Self.script, encoding: .utf8).contains("${\(name)"))
        }
        // Every command is a string (a stray ": " would make a line a mapping that GitLab rejects).
        let before = try XCTUnwrap(job["before_script"] as? [Any])
        XCTAssertTrue(before.allSatisfy { $0 is String }, "\(before)")
        let setup = before.compactMap { $0 as? String }.joined(separator: "\n")
        XCTAssertTrue(setup.contains(".moat/src/scripts/setup.sh"), setup)
        XCTAssertEqual((job["cache"] as? [String: Any])?["paths"] as? [String], [".moat/build/"])
    }
}
