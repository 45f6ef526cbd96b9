import Foundation
import XCTest

/// `moat protect` end to end on the robustness set of issue 12, written by the real libraries
/// (torch, safetensors, numpy, gguf) through scripts/fixtures/protected.py into a temporary folder.
final class ProtectCommandTests: XCTestCase {
    /// The generated set, shared by every test of the class (generated once, ~100 MB, ~3 s).
    nonisolated(unsafe) static var generated: URL?
    nonisolated(unsafe) static var generationFailure: String?

    /// A Python that has the fixture libraries: $MOAT_FIXTURE_PYTHON, the venv scripts/fixtures/README.md
    /// sets up, or python3.
    static func fixturePython() -> URL? {
        var candidates = ["/tmp/venv/fx/bin/python", "/usr/bin/python3", "/usr/local/bin/python3"]
        if let env = ProcessInfo.processInfo.environment["MOAT_FIXTURE_PYTHON"] { candidates.insert(env, at: 0) }
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
            let url = URL(fileURLWithPath: c)
            if let r = try? CLI.run(url, ["-c", "import torch, safetensors, gguf, numpy"], in: URL(fileURLWithPath: "/tmp")), r.status == 0 { return url }
        }
        return nil
    }

    func fixtures() throws -> URL {
        if let g = Self.generated { return g }
        if let f = Self.generationFailure { throw XCTSkip(f) }
        guard let python = Self.fixturePython() else {
            Self.generationFailure = "no Python with torch, safetensors, gguf and numpy (see scripts/fixtures/README.md)"
            throw XCTSkip(Self.generationFailure!)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-protected-\(getpid())")
        let script = CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/fixtures/protected.py")
        let r = try CLI.run(python, [script.path, dir.path], in: URL(fileURLWithPath: "/tmp"))
        XCTAssertEqual(r.status, 0, r.stderr)
        let add = try CLI.moat(["protect", "add", "--name", "acme", "--registry", "reg.json", "acme.safetensors"], in: dir)
        XCTAssertEqual(add.status, 0, add.stderr)
        Self.generated = dir
        return dir
    }

    override class func tearDown() {
        if let g = generated { try? FileManager.default.removeItem(at: g) }
        super.tearDown()
    }

    struct Case { var name: String; var expect: String; var files: [String] }

    func cases(_ dir: URL) throws -> [Case] {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as? [String: Any]
        return (manifest?["cases"] as? [[String: Any]] ?? []).map {
            Case(name: $0["case"] as? String ?? "", expect: $0["expect"] as? String ?? "", files: $0["files"] as? [String] ?? [])
        }
    }

    /// The verify report of one file: (matched, total, similarity, lowest agreement) or nil when nothing matched.
    func verify(_ file: String, in dir: URL) throws -> (matched: Int, total: Int, similarity: Double, lowest: Double)? {
        let r = try CLI.moat(["protect", "verify", "--registry", "reg.json", "--format", "json", file], in: dir)
        let report = try CLI.json(r.stdout)
        let f = (report["files"] as? [[String: Any]])?.first
        guard let model = (f?["models"] as? [[String: Any]])?.first else {
            XCTAssertEqual(r.status, 0, "\(file): exit status without a match")
            return nil
        }
        XCTAssertEqual(r.status, 1, "\(file): a match exits 1")
        let tensors = f?["tensors"] as? [[String: Any]] ?? []
        let lowest = tensors.compactMap { t -> Double? in
            guard let a = t["agreements"] as? Int, let b = t["bits"] as? Int, b > 0 else { return nil }
            return Double(a) / Double(b)
        }.min() ?? 0
        return (model["matched_tensors"] as? Int ?? -1, model["total_tensors"] as? Int ?? -1, model["similarity"] as? Double ?? -1, lowest)
    }

    /// Issue 12's table: every transformation found with at least half of the model's tensors, every
    /// unrelated model never matched. Prints the table (docs/protected-weights.md quotes it).
    func testRobustnessTable() throws {
        let dir = try fixtures()
        let all = try cases(dir)
        XCTAssertGreaterThanOrEqual(all.count, 15)
        for c in all {
            var matched = 0, total = 0, sims: [Double] = [], lowest = 1.0
            for file in c.files {
                let v = try verify(file, in: dir)
                switch c.expect {
                case "none":
                    XCTAssertNil(v, "\(c.name): \(file) must never match")
                case "found-each", "found", "found-one":
                    XCTAssertNotNil(v, "\(c.name): \(file) not found")
                default:
                    XCTFail("unknown expectation \(c.expect)")
                }
                if let v {
                    matched += v.matched; total = v.total; sims.append(v.similarity); lowest = min(lowest, v.lowest)
                }
            }
            if c.expect == "found" || c.expect == "found-each" {
                XCTAssertGreaterThanOrEqual(matched * 2, total, "\(c.name): \(matched)/\(total) tensors matched")
                XCTAssertGreaterThan(total, 0)
            }
            if c.expect == "found-one" { XCTAssertEqual(matched, 1, c.name) }
            let sim = sims.isEmpty ? "-" : String(format: "%.4f", sims.reduce(0, +) / Double(sims.count))
            print("protected-table | \(c.name) | \(matched)/\(total) | \(sim) | \(sims.isEmpty ? "-" : String(format: "%.4f", lowest))")
        }
    }

    /// Scans report a blocking `protected-model` finding with the documented details, from
    /// `--protected` and from `protected:` in .moat.yaml.
    func testScanFindingFromOptionAndConfig() throws {
        let dir = try fixtures()
        let r = try CLI.moat(["scan", "--no-secrets", "--protected", "reg.json", "--format", "json", "acme-bf16.safetensors"], in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        let f = try XCTUnwrap(CLI.findings(try CLI.json(r.stdout)).first { $0["category"] as? String == "protected-model" })
        XCTAssertEqual(f["rule"] as? String, "protected.acme")
        XCTAssertEqual(f["severity"] as? String, "block")
        let details = try XCTUnwrap((f["summary"] as? [String: Any])?["details"] as? [String: Any])
        XCTAssertEqual(details["protected.model"] as? String, "acme")
        XCTAssertEqual(details["protected.matched_tensors"] as? Int, 13)
        XCTAssertEqual(details["protected.total_tensors"] as? Int, 13)
        XCTAssertGreaterThan(details["protected.similarity"] as? Double ?? 0, 0.99)
        XCTAssertTrue((details["protected.changes"] as? String ?? "").contains("F32 → BF16"))

        let repo = try CLI.makeRepository()
        defer { try? FileManager.default.removeItem(at: repo) }
        try FileManager.default.copyItem(at: dir.appendingPathComponent("reg.json"), to: repo.appendingPathComponent("acme.registry.json"))
        try FileManager.default.copyItem(at: dir.appendingPathComponent("one-tensor.npy"), to: repo.appendingPathComponent("w.npy"))
        try CLI.write("protected: [acme.registry.json]\n", to: ".moat.yaml", in: repo)
        try CLI.git(["add", "w.npy", ".moat.yaml", "acme.registry.json"], in: repo)
        let staged = try CLI.moat(["staged", "--no-secrets", "--format", "json"], in: repo)
        XCTAssertEqual(staged.status, 1, staged.stderr)
        XCTAssertTrue(CLI.findings(try CLI.json(staged.stdout)).contains { $0["rule"] as? String == "protected.acme" })
        // The registry itself is no finding: it holds no weights.
        XCTAssertFalse(CLI.findings(try CLI.json(staged.stdout)).contains { ($0["path"] as? String ?? "").hasSuffix("registry.json") })
    }

    /// The registry is read only when a tensor file is seen: a broken one does not slow or fail a
    /// commit of code, and fails (exit 2) the moment a weight file needs it.
    func testRegistryLoadedOnlyForTensorFiles() throws {
        let repo = try CLI.makeRepository()
        defer { try? FileManager.default.removeItem(at: repo) }
        try CLI.write("{\"moat-protected-registry\": 1, \"salt\": \"zz\"}\n", to: "broken.json", in: repo)
        try CLI.write("protected: [broken.json]\n", to: ".moat.yaml", in: repo)
        try CLI.write("print('hello')\n", to: "main.py", in: repo)
        try CLI.git(["add", "main.py", ".moat.yaml"], in: repo)
        XCTAssertEqual(try CLI.moat(["staged", "--no-secrets"], in: repo).status, 0)
        try CLI.plant("positive/tiny-llama.safetensors", as: "w.safetensors", in: repo)
        try CLI.git(["add", "w.safetensors"], in: repo)
        let r = try CLI.moat(["staged", "--no-secrets"], in: repo)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("broken.json"), r.stderr)
    }

    /// `add` with a known name replaces the model; `list` shows each model once.
    func testAddUpdatesAndList() throws {
        let dir = try fixtures()
        let reg = "update-\(UUID().uuidString).json"
        XCTAssertEqual(try CLI.moat(["protect", "add", "--name", "m", "--registry", reg, "one-tensor.npy"], in: dir).status, 0)
        XCTAssertEqual(try CLI.moat(["protect", "add", "--name", "m", "--registry", reg, "acme.safetensors"], in: dir).status, 0)
        XCTAssertEqual(try CLI.moat(["protect", "add", "--name", "other", "--registry", reg, "other-init.safetensors"], in: dir).status, 0)
        let list = try CLI.moat(["protect", "list", "--registry", reg], in: dir).stdout
        XCTAssertEqual(list.components(separatedBy: "\n").filter { $0.hasPrefix("m: 13 tensors") }.count, 1, list)
        XCTAssertTrue(list.contains("other: 13 tensors"), list)
        XCTAssertEqual(try CLI.moat(["protect", "add", "--name", "bad name", "--registry", reg, "acme.safetensors"], in: dir).status, 2)
        XCTAssertEqual(try CLI.moat(["protect", "add", "--name", "x", "--registry", reg, "manifest.json"], in: dir).status, 2)
        // The registry holds no weights: far under 2% of the tensor bytes.
        let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("reg.json").path)[.size] as? Int ?? 0
        XCTAssertLessThan(size * 50, 1_703_936 * 4)
    }

    /// No fixture or negative of the test tree matches the protected model.
    func testNoFixtureMatches() throws {
        let dir = try fixtures()
        var files: [String] = []
        for sub in ["positive", "negative"] {
            let root = CLI.fixtures.appendingPathComponent(sub)
            let walker = try XCTUnwrap(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
            for case let url as URL in walker where !url.hasDirectoryPath {
                files.append(url.path)
            }
        }
        XCTAssertGreaterThan(files.count, 50)
        let r = try CLI.moat(["protect", "verify", "--registry", "reg.json", "--format", "json"] + files, in: dir)
        XCTAssertEqual(r.status, 0, r.stdout)
        let report = try CLI.json(r.stdout)
        XCTAssertEqual((report["files"] as? [[String: Any]])?.count, files.count)
    }
}
