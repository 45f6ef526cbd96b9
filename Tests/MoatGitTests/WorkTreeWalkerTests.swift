import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

final class WorkTreeWalkerTests: XCTestCase {
    /// Walks `argument` from `directory`; returns the shown paths and the problems.
    private func walk(_ argument: String, from directory: String, respectIgnore: Bool = true)
        -> (paths: [String], problems: [WalkProblem], walker: WorkTreeWalker) {
        var problems: [WalkProblem] = []
        let walker = WorkTreeWalker(respectIgnore: respectIgnore) { problems.append($0) }
        var paths: [String] = []
        withCurrentDirectory(directory) {
            walker.walk(PathBytes(argument)) { file in
                paths.append(file.path.description)
                XCTAssertTrue(file.absolutePath.bytes.first == UInt8(ascii: "/"))
            }
        }
        return (paths, problems, walker)
    }

    func testHonoursGitignoreSkipsGitAndSortsByName() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/.gitignore", "*.log\nbuild/\n")
        try scratch.write("repo/b.txt", "b")
        try scratch.write("repo/a.txt", "a")
        try scratch.write("repo/debug.log", "x")
        try scratch.write("repo/build/out.bin", "x")
        try scratch.write("repo/models/sub/.gitignore", "secret.bin\n")
        try scratch.write("repo/models/sub/secret.bin", "x")
        try scratch.write("repo/models/sub/kept.bin", "x")
        try scratch.write("repo/models/x.bin", "x")
        let result = walk("models", from: repo)
        XCTAssertEqual(result.paths, ["models/sub/.gitignore", "models/sub/kept.bin", "models/x.bin"])
        XCTAssertEqual(result.walker.ignoredEntries, 1)

        let everything = walk(".", from: repo)
        XCTAssertEqual(everything.paths, ["./.gitignore", "./a.txt", "./b.txt", "./models/sub/.gitignore", "./models/sub/kept.bin", "./models/x.bin"])
        XCTAssertEqual(everything.walker.ignoredEntries, 3)
        XCTAssertEqual(everything.problems, [])

        let unfiltered = walk(repo, from: "/", respectIgnore: false)
        XCTAssertEqual(unfiltered.paths.count, 9)
        XCTAssertFalse(unfiltered.paths.contains { $0.contains("/.git/") })
        XCTAssertTrue(unfiltered.paths.contains(repo + "/build/out.bin"))
    }

    func testTrackedFilesAreWalkedAlthoughGitignoreMatchesThem() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/.gitignore", "*.bin\nout/\n")
        try scratch.write("repo/forced.bin", "x")
        try scratch.write("repo/loose.bin", "x")
        try scratch.write("repo/out/keep/forced.txt", "x")
        try scratch.write("repo/out/keep/loose.txt", "x")
        try scratch.write("repo/out/other/loose.txt", "x")
        try scratch.git(["add", "-f", "forced.bin", "out/keep/forced.txt"], in: repo)
        let result = walk(".", from: repo)
        XCTAssertEqual(result.paths, ["./.gitignore", "./forced.bin", "./out/keep/forced.txt"])
        XCTAssertEqual(result.walker.ignoredEntries, 3)
    }

    func testIgnoredDirectoryIsNotRead() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/.gitignore", "cache/\n")
        try scratch.write("repo/cache/a", "x")
        try scratch.write("repo/cache/locked/f", "x")
        XCTAssertEqual(chmod(repo + "/cache/locked", 0), 0)  // unreadable, for a non-root user
        defer { chmod(repo + "/cache/locked", 0o755) }
        let result = walk(".", from: repo)
        XCTAssertEqual(result.paths, ["./.gitignore"])
        XCTAssertEqual(result.problems, [])
        XCTAssertEqual(result.walker.ignoredEntries, 1, "the directory is skipped whole, its files are never looked at")
    }

    func testExplicitlyNamedIgnoredPathIsWalked() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/.gitignore", "build/\n*.bin\n")
        try scratch.write("repo/build/out.txt", "x")
        try scratch.write("repo/w.bin", "x")
        XCTAssertEqual(walk("build", from: repo).paths, ["build/out.txt"])
        XCTAssertEqual(walk("w.bin", from: repo).paths, ["w.bin"])
    }

    func testOutsideAnyRepositoryEverythingIsWalked() throws {
        let scratch = try Scratch()
        try scratch.write("plain/.gitignore", "*.bin\n")
        try scratch.write("plain/x.bin", "x")
        XCTAssertEqual(walk("plain", from: scratch.root).paths, ["plain/.gitignore", "plain/x.bin"])
    }

    func testSymlinksAreNotFollowedAndBrokenOnesReported() throws {
        let scratch = try Scratch()
        try scratch.write("tree/real/f.txt", "x")
        try scratch.write("elsewhere/g.txt", "x")
        XCTAssertEqual(symlink(scratch.path("elsewhere"), scratch.path("tree/dirlink")), 0)
        XCTAssertEqual(symlink("real/f.txt", scratch.path("tree/filelink")), 0)
        XCTAssertEqual(symlink("missing", scratch.path("tree/broken")), 0)
        let result = walk("tree", from: scratch.root)
        XCTAssertEqual(result.paths, ["tree/real/f.txt"])
        XCTAssertEqual(result.walker.skippedSymlinks, 3)
        XCTAssertEqual(result.problems, [.brokenSymlink(PathBytes("tree/broken"))])
    }

    func testMissingArgumentIsReported() throws {
        let scratch = try Scratch()
        let result = walk("nope", from: scratch.root)
        XCTAssertEqual(result.paths, [])
        XCTAssertEqual(result.problems, [.inaccessible(PathBytes("nope"), reason: "No such file or directory")])
    }

    func testNonUTF8NamesAndNestedGitDirectories() throws {
        let scratch = try Scratch()
        try scratch.write("t/.git/config", "x")  // a stray .git directory is never entered
        let name: [UInt8] = [0x66, 0xE9, 0x2E, 0x62, 0x69, 0x6E]
        let dir = PathBytes(scratch.path("t"))
        let fd = open(dir.appending(name).cString, O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        var files: [WalkedFile] = []
        let walker = WorkTreeWalker { XCTFail("\($0)") }
        walker.walk(dir) { files.append($0) }
        XCTAssertEqual(files.map(\.path), [dir.appending(name)])
        XCTAssertEqual(files.map(\.absolutePath), [dir.appending(name)])
    }

    func testDeepTree() throws {
        let scratch = try Scratch()
        var relative = "deep"
        for _ in 0..<1000 { relative += "/d" }
        try FileManager.default.createDirectory(atPath: scratch.path(relative), withIntermediateDirectories: true)
        try scratch.write(relative + "/leaf", "x")
        XCTAssertEqual(walk("deep", from: scratch.root).paths, [relative + "/leaf"])
    }
}
