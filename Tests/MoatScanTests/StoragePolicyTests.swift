import MoatBytes
import MoatCore
@testable import MoatScan
import XCTest

/// `lfs: required` and `max-file-size`, through the real pipeline in real git repositories.
final class StoragePolicyTests: XCTestCase {
    var folder: TemporaryFolder!

    override func setUpWithError() throws {
        folder = try TemporaryFolder()
        try folder.git("init", "-q", "-b", "main")
    }

    /// A Git LFS pointer as `git lfs` writes it (spec v1), standing for `content`.
    static func pointer(size: Int) -> [UInt8] {
        Array("version https://git-lfs.github.com/spec/v1\noid sha256:\(String(repeating: "ab", count: 32))\nsize \(size)\n".utf8)
    }

    func scans(_ config: String) throws -> Scans {
        try folder.put(".moat.yaml", Array(config.utf8))
        var settings = DetectionSettings()
        settings.configSearchStart = folder.path
        return try settings.scans(database: .cachedOnly, workers: 2)
    }

    func rules(_ result: ScanResult) -> [String: [String]] {
        Dictionary(grouping: result.findings, by: { $0.path.description }).mapValues { $0.map(\.rule).sorted() }
    }

    func testLFSRequiredBlocksFilesThatAreNotPointersInEveryMode() throws {
        try folder.put("models/real.safetensors", try fixtureBytes("positive/tiny-llama.safetensors"))
        try folder.put("models/config.json", Array("{\"hidden\": 64}\n".utf8))
        try folder.put("models/lfs.safetensors", Self.pointer(size: 500_000_000))
        try folder.put("models/.gitkeep", [])
        try folder.put("deep/er/adapter.safetensors", try fixtureBytes("positive/adapter_model.safetensors"))
        try folder.put("src/app.py", Array("print(1)\n".utf8))
        let scans = try scans("lfs:\n  required: [\"models/**\", \"*.safetensors\"]\n")
        let expected = [
            "models/real.safetensors": ["artifact.safetensors", "policy.lfs-required"],
            "models/config.json": ["policy.lfs-required"],
            "deep/er/adapter.safetensors": ["artifact.safetensors", "policy.lfs-required"],
        ]
        let disk = try scans.workTree([folder.path], respectIgnore: true)
        XCTAssertEqual(rules(disk), expected)
        XCTAssertEqual(disk.skipped[.lfsPointers], 1)
        XCTAssertTrue(disk.fails)
        let lfs = try XCTUnwrap(disk.findings.first { $0.path.description == "models/config.json" })
        XCTAssertEqual(lfs.severity, .block)
        XCTAssertEqual(lfs.category, .policy)
        XCTAssertTrue(lfs.message.contains("\"models/**\""), lfs.message)

        try folder.git("add", "-A")
        let staged = try scans.staged(repository: folder.path)
        XCTAssertEqual(rules(staged), expected)
        try folder.git("commit", "-q", "-m", "models")
        let history = try scans.history(Scans.HistoryRequest(selection: .allRefs(includeUnreachable: false)), repository: folder.path)
        XCTAssertEqual(rules(history), expected)
        // The same content at the same path is the same finding in every mode.
        let fingerprints = { (r: ScanResult) in Set(r.findings.map { "\($0.path) \($0.rule) \($0.fingerprint)" }) }
        XCTAssertEqual(fingerprints(disk), fingerprints(staged))
        XCTAssertEqual(fingerprints(disk), fingerprints(history))
    }

    func testTheSizeGateReportsAnyLargeFileOnceAndOnlyWhenNothingElseBlocksIt() throws {
        var noise = [UInt8](repeating: 0, count: 60_000)
        var x: UInt32 = 12345
        for i in noise.indices { x = x &* 1_103_515_245 &+ 12345; noise[i] = UInt8(truncatingIfNeeded: x >> 16) }
        try folder.put("blob.bin", noise)
        try folder.put("small.bin", Array(noise.prefix(1000)))
        let floats = try fixtureBytes("positive/weights_fc1.f32.bin")
        let dump = (0..<32).flatMap { _ in floats }  // 4 MiB of real float32 weights: blocks
        try folder.put("dump.bin", dump)
        try folder.put("tiny-llama.safetensors", try fixtureBytes("positive/tiny-llama.safetensors"))  // 101,040 bytes, warns
        try folder.put("fixtures/dump.bin", dump)
        let result = try scans("""
            max-file-size: 50KB
            allow:
              - { rule: "artifact.*", path: "fixtures/**", reason: "test weights" }
            """).workTree([folder.path], respectIgnore: true)
        XCTAssertEqual(rules(result), [
            "blob.bin": ["policy.large-file"],
            "dump.bin": ["artifact.raw-float32"],
            // A warning does not block: the size limit does.
            "tiny-llama.safetensors": ["artifact.safetensors", "policy.large-file"],
            // Its artifact finding is accepted, so nothing else blocks it: the size limit still holds.
            "fixtures/dump.bin": ["policy.large-file"],
        ])
        XCTAssertTrue(try XCTUnwrap(result.findings.first { $0.path.description == "blob.bin" }).message.contains("over max-file-size (50 KB)"))
        // Off by default.
        let none = try scans("disable: [model-weights, tensor-dump]\n").workTree([folder.path], respectIgnore: true)
        XCTAssertEqual(rules(none), [:])
    }

    func testPointersNeverTripTheSizeGateAndDisableTurnsTheRulesOff() throws {
        try folder.put("models/lfs.bin", Self.pointer(size: 9_000_000_000))
        try folder.put("models/raw.bin", [UInt8](repeating: 7, count: 2000))
        let on = try scans("lfs: {required: [\"models/**\"]}\nmax-file-size: 1KiB\n").workTree([folder.path], respectIgnore: true)
        XCTAssertEqual(rules(on), ["models/raw.bin": ["policy.lfs-required"]])
        let off = try scans("lfs: {required: [\"models/**\"]}\ndisable: [\"policy.*\"]\n").workTree([folder.path], respectIgnore: true)
        XCTAssertEqual(rules(off), [:])
    }

    func testConfigErrorsNameTheFileAndLine() {
        func error(_ text: String) -> String {
            do { _ = try MoatConfig.parse(text, path: ".moat.yaml"); return "" } catch { return error.message }
        }
        XCTAssertEqual(error("fail-on: warn\nmax-file-size: 5M\n"),
                       ".moat.yaml:2: `max-file-size` must be a size above 0 such as 500KB, 5MB, 1.5GiB or a number of bytes")
        XCTAssertTrue(error("max-file-size: [5MB]\n").hasPrefix(".moat.yaml:1: `max-file-size`"))
        XCTAssertEqual(error("lfs:\n  required:\n    - \"models/**\"\n    - \"[bad\"\n"), ".moat.yaml:4: bad lfs.required glob '[bad': unclosed [")
        XCTAssertTrue(error("lfs:\n  require: [a]\n").hasPrefix(".moat.yaml:2: unknown key 'require' in `lfs`"), error("lfs:\n  require: [a]\n"))
        XCTAssertTrue(error("lfs: [models]\n").hasPrefix(".moat.yaml:1: `lfs` must be a mapping"))
        XCTAssertEqual(error("lfs: {required: models}\n"), ".moat.yaml:1: `lfs.required` must be a list of path globs")
        XCTAssertEqual(error("lfs: {required: [\"/models/**\"]}\n"),
                       ".moat.yaml:1: bad lfs.required glob '/models/**': paths are relative to the repository root: drop the leading /")
        let ok = try? MoatConfig.parse("lfs: {required: [\"models/**\"]}\nmax-file-size: 1.5 MiB\n", path: ".moat.yaml")
        XCTAssertEqual(ok?.storage.maxFileSize, 1_572_864)
        XCTAssertEqual(ok?.storage.lfsRequired.map(\.text), ["models/**"])
    }

    func testSizesParseWithDecimalAndBinaryUnits() {
        XCTAssertEqual(ByteSize.parse("500KB"), 500_000)
        XCTAssertEqual(ByteSize.parse("500kb"), 500_000)
        XCTAssertEqual(ByteSize.parse("5 MB"), 5_000_000)
        XCTAssertEqual(ByteSize.parse("5MiB"), 5_242_880)
        XCTAssertEqual(ByteSize.parse("2GB"), 2_000_000_000)
        XCTAssertEqual(ByteSize.parse("1024"), 1024)
        XCTAssertEqual(ByteSize.parse("12B"), 12)
        for bad in ["", "0", "0KB", "5M", "MB", "1.5", "-5MB", "5..0MB", ".5MB", "5 MB extra", "99999999999TB"] {
            XCTAssertNil(ByteSize.parse(bad), bad)
        }
    }

    func testPathPatternsWithoutASlashMatchTheNameAtAnyDepth() {
        let name = PathPattern("*.safetensors"), anchored = PathPattern("models/*.bin")
        XCTAssertTrue(name.matches(PathBytes("a.safetensors")))
        XCTAssertTrue(name.matches(PathBytes("x/y/a.safetensors")))
        XCTAssertFalse(name.matches(PathBytes("a.safetensors.txt")))
        XCTAssertTrue(anchored.matches(PathBytes("models/a.bin")))
        XCTAssertFalse(anchored.matches(PathBytes("x/models/a.bin")))
        XCTAssertFalse(anchored.matches(PathBytes("models/sub/a.bin")))
    }
}
