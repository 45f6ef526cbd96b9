import Foundation
import MoatBytes
import MoatGit
import XCTest

/// A scratch directory, optionally holding a git repository, removed when the test ends.
final class Scratch {
    let root: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("moatgit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        // Canonical, so it compares equal to what libgit2 reports.
        root = URL(fileURLWithPath: base.path).resolvingSymlinksInPath().path
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { relative.isEmpty ? root : root + "/" + relative }

    /// Creates a repository at `relative` (with an initial branch `main`).
    @discardableResult
    func initRepository(_ relative: String = "repo", bare: Bool = false) throws -> String {
        let dir = path(relative)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []), in: dir)
        return dir
    }

    /// Writes a file (creating parent directories).
    func write(_ relative: String, _ content: String) throws { try write(relative, Array(content.utf8)) }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Runs git with an isolated configuration; throws on a non-zero exit. Returns stdout.
    @discardableResult
    func git(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) throws -> String {
        try run("/usr/bin/env", ["git"] + arguments, in: directory, environment: extra)
    }

    /// Writes `files` (paths under `repo`) and commits everything.
    func commit(_ files: [String: String], in repo: String, message: String = "commit") throws {
        for (path, content) in files { try write(String(repo.dropFirst(root.count + 1)) + "/" + path, content) }
        try git(["add", "."], in: repo)
        try git(["commit", "-qm", message], in: repo)
    }

    /// The id `git rev-parse` gives for `revision`.
    func objectID(_ revision: String, in repo: String) throws -> ObjectID {
        let hex = try git(["rev-parse", revision], in: repo).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = ObjectID(hex: hex) else { throw GitError(message: "not an id: \(hex)") }
        return id
    }

    /// Runs a program; throws on a non-zero exit. Returns stdout.
    @discardableResult
    func run(_ program: String, _ arguments: [String], in directory: String, environment extra: [String: String] = [:],
             stdin: String? = nil) throws -> String {
        let result = try execute(program, arguments, in: directory, environment: extra, stdin: stdin)
        guard result.status == 0 else {
            throw NSError(domain: "Scratch", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: "\(arguments) failed: \(result.stderr)"])
        }
        return result.stdout
    }

    /// Runs a program and returns its exit status and output.
    func execute(_ program: String, _ arguments: [String], in directory: String, environment extra: [String: String] = [:],
                 stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_AUTHOR_NAME"] = "Test"
        environment["GIT_AUTHOR_EMAIL"] = "test@example.com"
        environment["GIT_COMMITTER_NAME"] = "Test"
        environment["GIT_COMMITTER_EMAIL"] = "test@example.com"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// Sets environment variables for the duration of `body`, restoring the previous values.
func withEnvironment<T>(_ values: [String: String], _ body: () throws -> T) rethrows -> T {
    let saved = values.keys.map { ($0, ProcessInfo.processInfo.environment[$0]) }
    for (key, value) in values { setenv(key, value, 1) }
    defer {
        for (key, value) in saved {
            if let value { setenv(key, value, 1) } else { unsetenv(key) }
        }
    }
    return try body()
}

/// Sets the current directory for the duration of `body`.
func withCurrentDirectory<T>(_ path: String, _ body: () throws -> T) rethrows -> T {
    let saved = FileManager.default.currentDirectoryPath
    XCTAssertEqual(chdir(path), 0)
    defer { chdir(saved) }
    return try body()
}

extension ByteSource {
    /// Everything, for assertions on small content.
    var all: [UInt8]? { read(at: 0, count: size) }
}
