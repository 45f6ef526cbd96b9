import Foundation
import XCTest

/// Runs the built `moat` binary and `git` in temporary repositories, as a user would.
struct CLI {
    /// The folder holding the built products (the test bundle sits beside the `moat` binary).
    static let productsDirectory: URL = {
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        for candidate in [dir, Bundle(for: Marker.self).bundleURL.deletingLastPathComponent()] {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("moat").path) { return candidate }
        }
        return dir
    }()
    static var moat: URL { productsDirectory.appendingPathComponent("moat") }
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion. `environment` adds to (or, with nil values, removes from) the
    /// inherited environment; git's own variables are always cleared so tests are not steered by the
    /// environment they run in.
    @discardableResult
    static func run(_ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String?] = [:], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
        env["GIT_AUTHOR_NAME"] = "Test"; env["GIT_AUTHOR_EMAIL"] = "t@example.com"
        env["GIT_COMMITTER_NAME"] = "Test"; env["GIT_COMMITTER_EMAIL"] = "t@example.com"
        env["GIT_CONFIG_NOSYSTEM"] = "1"; env["HOME"] = directory.path; env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let s = stdin { input.fileHandleForWriting.write(Data(s.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    @discardableResult
    static func moat(_ arguments: [String], in directory: URL, environment: [String: String?] = [:]) throws -> Result {
        try run(moat, arguments, in: directory, environment: environment)
    }

    /// Runs git and fails the test when it fails.
    @discardableResult
    static func git(_ arguments: [String], in directory: URL, environment: [String: String?] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let r = try run(URL(fileURLWithPath: "/usr/bin/git"), arguments, in: directory, environment: environment)
        XCTAssertEqual(r.status, 0, "git \(arguments.joined(separator: " ")) failed: \(r.stderr)", file: file, line: line)
        return r
    }

    /// A new empty repository in a fresh temporary folder.
    static func makeRepository() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"], in: dir)
        try git(["config", "commit.gpgsign", "false"], in: dir)
        return dir
    }

    /// Copies a fixture into the repository under `name`.
    static func plant(_ fixture: String, as name: String, in repo: URL) throws {
        let target = repo.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(fixture), to: target)
    }

    /// A big case made at test time from a small real fixture: the fixture's bytes repeated until
    /// `bytes` (used with headerless dumps written by torch, so the result is still real float data).
    static func plantTiled(_ fixture: String, as name: String, bytes: Int, in repo: URL) throws {
        let piece = try Data(contentsOf: fixtures.appendingPathComponent(fixture))
        var data = Data(capacity: bytes)
        while data.count < bytes { data.append(piece.prefix(bytes - data.count)) }
        let target = repo.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: target)
    }

    static func write(_ text: String, to name: String, in repo: URL) throws {
        let target = repo.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    /// Parses the JSON report.
    /// Cuts the end off the loose object `rev` names (`HEAD:path`, `:path`): its header still
    /// reads, its content does not.
    static func truncateLooseObject(_ rev: String, in repo: URL) throws {
        let id = try git(["rev-parse", rev], in: repo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = repo.appendingPathComponent(".git/objects/\(id.prefix(2))/\(id.dropFirst(2))").path
        XCTAssertEqual(chmod(path, 0o644), 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 12).write(to: URL(fileURLWithPath: path))
    }

    static func json(_ text: String) throws -> [String: Any] {
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try XCTUnwrap(obj as? [String: Any])
    }

    static func findings(_ report: [String: Any]) -> [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }

    private final class Marker {}
}
