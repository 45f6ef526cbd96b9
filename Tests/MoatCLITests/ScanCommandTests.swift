import Foundation
import XCTest

/// `moat scan`: files on disk, .gitignore, bad input.
final class ScanCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        dir = try CLI.makeRepository()
    }

    override func tearDownWithError() throws {
        if let d = dir {
            _ = try? CLI.run(URL(fileURLWithPath: "/bin/chmod"), ["-R", "u+rwx", d.path], in: FileManager.default.temporaryDirectory)
            try? FileManager.default.removeItem(at: d)
        }
    }

    func paths(_ r: CLI.Result) throws -> Set<String> {
        Set(CLI.findings(try CLI.json(r.stdout)).compactMap { $0["path"] as? String })
    }

    func testUnusedAllowEntriesAreReportedOnlyWhenTheWholeRepositoryIsScanned() throws {
        try CLI.write("allow:\n  - path: \"docs/**\"\n    reason: nothing there\n", to: ".moat.yaml", in: dir)
        try CLI.write("print('hi')\n", to: "src/app.py", in: dir)
        let part = try CLI.moat(["scan", "src/app.py"], in: dir)
        XCTAssertEqual(part.status, 0, part.stderr)
        XCTAssertFalse(part.stderr.contains("matched nothing"), part.stderr)
        let whole = try CLI.moat(["scan", "."], in: dir.appendingPathComponent("src/.."))
        XCTAssertTrue(whole.stderr.contains("allow entry 1 at") && whole.stderr.contains("matched nothing"), whole.stderr)
    }

    func testFindsRenamedWeightsAndHonoursGitignore() throws {
        try CLI.plantTiled("positive/weights_fc1.f32.bin", as: "assets/logo.png", bytes: 4 << 20, in: dir)
        try CLI.plant("positive/optimizer.safetensors", as: "out/optimizer.safetensors", in: dir)
        try CLI.plant("negative/noise.png", as: "assets/real.png", in: dir)
        try CLI.write("out/\n", to: ".gitignore", in: dir)
        let r = try CLI.moat(["scan", "--format", "json"], in: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try paths(r), ["assets/logo.png"])
        let all = try CLI.moat(["scan", "--no-ignore", "--format", "json"], in: dir)
        XCTAssertEqual(try paths(all), ["assets/logo.png", "out/optimizer.safetensors"])
    }

    func testSmallArraysWarnWithoutBlocking() throws {
        try CLI.plant("positive/tensor_000.dat", as: "tensor_000.dat", in: dir)
        let r = try CLI.moat(["scan", "--format", "json"], in: dir)
        XCTAssertEqual(r.status, 0, "a 16K-element dump should warn, not block")
        XCTAssertEqual(CLI.findings(try CLI.json(r.stdout)).first?["severity"] as? String, "warn")
    }

    func testHostileAndOddInputsNeverCrash() throws {
        // A safetensors header declaring 2^63 bytes, an empty file, a broken symlink, an unreadable
        // file, a non-UTF-8 name, and a zip entry named ../data.pkl.
        var bomb = [UInt8](repeating: 0, count: 8)
        bomb[7] = 0x80
        bomb += Array("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".utf8)
        try Data(bomb).write(to: dir.appendingPathComponent("bomb.safetensors"))
        try Data().write(to: dir.appendingPathComponent("empty.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("dangling").path, withDestinationPath: "/nonexistent/x")
        let locked = dir.appendingPathComponent("locked.bin")
        try Data(repeating: 1, count: 100).write(to: locked)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked.path)
        let weird = dir.path + "/caf\u{E9}-"
        let raw = Array(weird.utf8) + [0xFF, 0xFE] + Array(".bin".utf8)
        _ = raw.withUnsafeBufferPointer { p -> Int32 in
            let cpath = p.map { CChar(bitPattern: $0) } + [0]
            let fd = open(cpath, O_CREAT | O_WRONLY, 0o644)
            let data = fixtureBytes("positive/tiny-llama.safetensors")
            _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            return close(fd)
        }
        let r = try CLI.moat(["scan", "--format", "json"], in: dir)
        XCTAssertTrue(r.status == 0 || r.status == 1, "crashed or failed: \(r.status) \(r.stderr)")
        let report = try CLI.json(r.stdout)
        let paths = Set(CLI.findings(report).compactMap { $0["path"] as? String })
        XCTAssertTrue(paths.contains { $0.hasPrefix("\"caf\u{E9}-\\377\\376") }, "non-UTF-8 name not reported git-style: \(paths)")
        if getuid() != 0 { XCTAssertTrue(r.stderr.contains("locked.bin"), r.stderr) }
        XCTAssertTrue(r.stderr.contains("dangling"), r.stderr)
    }

    func fixtureBytes(_ name: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: CLI.fixtures.appendingPathComponent(name)))) ?? []
    }

    func testAPathThatDoesNotExistIsAnErrorNotACleanPass() throws {
        try CLI.write("print('hi')\n", to: "app.py", in: dir)
        let r = try CLI.moat(["scan", "app.py", "no/such/dir"], in: dir)
        XCTAssertEqual(r.status, 2, r.stdout)
        XCTAssertTrue(r.stderr.contains("cannot scan 'no/such/dir'"), r.stderr)
    }

    func testAReportThatCannotBeWrittenIsAnError() throws {
        try CLI.write("print('hi')\n", to: "app.py", in: dir)
        for target in [["--output", "/dev/full"], ["--output", "/nonexistent/dir/r.json"]] {
            let r = try CLI.moat(["scan", "--format", "json"] + target, in: dir)
            XCTAssertEqual(r.status, 2, "\(target)")
            XCTAssertTrue(r.stderr.contains("cannot write"), r.stderr)
        }
    }

    func testOneScanWritesSeveralReports() throws {
        try CLI.plant("positive/tiny-llama.safetensors", as: "data.bin", in: dir)
        let json = dir.appendingPathComponent("r.json").path
        let r = try CLI.moat(["scan", "data.bin", "--format", "json", "--output", json, "--format", "text"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("data.bin"), "text on stdout: \(r.stdout)")
        let report = try CLI.json(String(decoding: try Data(contentsOf: URL(fileURLWithPath: json)), as: UTF8.self))
        XCTAssertEqual(CLI.findings(report).first?["format"] as? String, "safetensors")
        let sarif = try CLI.moat(["scan", "data.bin", "--format", "sarif"], in: dir)
        let log = try CLI.json(sarif.stdout)
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        let results = ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        XCTAssertEqual(results.first?["ruleId"] as? String, "artifact.safetensors")
        let twoOnStdout = try CLI.moat(["scan", "data.bin", "--format", "json", "--format", "text"], in: dir)
        XCTAssertEqual(twoOnStdout.status, 2)
        XCTAssertTrue(twoOnStdout.stderr.contains("standard output"), twoOnStdout.stderr)
    }
}
