import Foundation
import MoatBytes
import MoatCore
import XCTest

/// Findings and results the CI-format tests render: an artifact, a secret on a line, a history
/// finding, a non-UTF-8 path, hostile strings, an empty result.
enum ReportFixtures {
    static let commit = "3f2a9c1e5b00000000000000000000000000beef"
    static let secretValue = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    static let hostile = "a|b`c<script>&\"x\"'y',z:w%25\r\n::error::pwn @octocat #1 [l](http://e.x) *e* \u{1}\u{7F}"

    static func artifact(path: [UInt8] = Array("ckpt/optimizer.pt".utf8), severity: Severity = .block, label: String = "PyTorch optimizer state") -> Finding {
        var s = ArtifactSummary()
        s.tensors = 24
        s.parameters = 9180
        s.addDtype("float32")
        s.optimizer = "AdamW"
        return Finding(kind: .artifact, category: .optimizerState, rule: "artifact.pytorch-zip", format: "pytorch-zip", severity: severity,
                       path: PathBytes(path), size: 45_000, blob: String(repeating: "a", count: 40), summary: s,
                       label: label, message: "\(label): 9.2K parameters, float32, 45 KB", fingerprint: "0123456789abcdef0123456789abcdef")
    }

    static func secret(path: String = "config/settings.py", line: Int = 12, column: Int = 17, showValue: Bool = false) -> Finding {
        let preview = "hf_Ab…89 (37 chars)"
        return Finding(kind: .secret, category: .secret, rule: "secret.huggingface-token", format: "text", severity: .block,
                       path: PathBytes(path), size: 300, line: line, column: column,
                       secret: SecretEvidence(preview: preview, value: showValue ? secretValue : nil, entropy: 4.5, why: "keyword 'hf_' + pattern"),
                       summary: ArtifactSummary(), label: "Hugging Face token", message: "Hugging Face token: \(preview)",
                       fingerprint: "fedcba9876543210fedcba9876543210")
    }

    static func history() -> Finding {
        var f = artifact(path: Array("old/model.safetensors".utf8), severity: .warn, label: "safetensors model")
        f.rule = "artifact.safetensors"
        f.format = "safetensors"
        f.category = .modelWeights
        f.commit = commit
        f.provenance = Provenance(author: "Ada", time: 1_772_460_309, paths: 2, commits: 1, inHead: false)
        return f
    }

    /// "f\xFF.bin" under a folder with a space: not UTF-8.
    static func nonUTF8() -> Finding { artifact(path: [0x64, 0x20, 0x31, 0x2F, 0x66, 0xFF, 0x2E, 0x62, 0x69, 0x6E], severity: .info) }

    /// Everything content-derived is hostile.
    static func hostileFinding() -> Finding {
        var f = secret(path: "dir/" + hostile, line: 3, column: 1)
        f.label = hostile
        f.message = "msg " + hostile
        f.rule = "secret.generic"
        return f
    }

    static func result(_ findings: [Finding], mode: ScanMode = .staged) -> ScanResult {
        var r = ScanResult(mode: mode, root: "/work/my repo")
        r.filesScanned = 3
        r.bytesRead = 1234
        r.durationMs = 2345
        r.findings = findings
        if mode == .history { r.commitsWalked = 7 }
        return r
    }

    /// The results every format is checked on.
    static var all: [(String, ScanResult)] {
        [
            ("artifact", result([artifact()])),
            ("secret", result([secret()])),
            ("secret shown", result([secret(showValue: true)])),
            ("history", result([history()], mode: .history)),
            ("non-UTF-8 path", result([nonUTF8()], mode: .scan)),
            ("hostile", result([hostileFinding(), artifact(path: Array(("x/" + hostile).utf8), label: hostile)])),
            ("mixed", result([artifact(), secret(), history(), nonUTF8()], mode: .history)),
            ("empty", result([])),
        ]
    }

    static func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], file: file, line: line)
    }
}

/// Runs python3 with jsonschema over a document; skips when python3 or jsonschema is missing.
enum SchemaValidator {
    /// Tests/Fixtures, found from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func requirePython() throws {
        let (status, _) = run(["-c", "import jsonschema"])
        if status != 0 { throw XCTSkip("python3 with the jsonschema package is not available") }
    }

    /// Validates `document` against the schema at `schema` with the given validator class; returns
    /// the errors (empty when valid).
    static func errors(_ document: String, schema: URL, validator: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = dir.appendingPathComponent("doc.json")
        try Data(document.utf8).write(to: doc)
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1], encoding="utf-8"))
        doc = json.load(open(sys.argv[2], encoding="utf-8"))
        v = jsonschema.\(validator)(schema, format_checker=jsonschema.FormatChecker())
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errs: print("/".join(map(str, e.absolute_path)) + ": " + e.message[:300])
        sys.exit(1 if errs else 0)
        """
        let (status, out) = run(["-c", script, schema.path, doc.path])
        return status == 0 ? "" : (out.isEmpty ? "python3 exited \(status)" : out)
    }

    static func run(_ args: [String]) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (127, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
