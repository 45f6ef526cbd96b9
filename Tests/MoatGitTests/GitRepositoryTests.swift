import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

final class GitRepositoryTests: XCTestCase {
    func testOpensFromASubdirectory() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/a/b/file.txt", "x")
        let opened = try GitRepository.open(at: repo + "/a/b", fromEnvironment: false)
        XCTAssertEqual(opened.workdir, PathBytes(repo))
        XCTAssertEqual(opened.gitDir, PathBytes(repo + "/.git"))
        XCTAssertEqual(opened.commonDir, PathBytes(repo + "/.git"))
        XCTAssertFalse(opened.isBare)
    }

    func testBareRepositoryHasNoWorkdir() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository("bare.git", bare: true)
        let opened = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertNil(opened.workdir)
        XCTAssertTrue(opened.isBare)
        XCTAssertEqual(opened.gitDir, PathBytes(repo))
    }

    func testNotARepositoryIsWordedLikeGit() throws {
        let scratch = try Scratch()
        try scratch.write("plain/f", "x")
        XCTAssertThrowsError(try GitRepository.open(at: scratch.path("plain"), fromEnvironment: false)) { error in
            XCTAssertEqual((error as? GitError)?.message,
                           "not a git repository (or any of the parent directories): \(scratch.path("plain"))")
        }
    }

    func testLinkedWorktree() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/a.txt", "a")
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "one"], in: repo)
        try scratch.git(["worktree", "add", "-q", "-b", "feature", scratch.path("wt")], in: repo)
        let opened = try GitRepository.open(at: scratch.path("wt"), fromEnvironment: false)
        XCTAssertEqual(opened.workdir, PathBytes(scratch.path("wt")))
        XCTAssertEqual(opened.gitDir, PathBytes(repo + "/.git/worktrees/wt"))
        XCTAssertEqual(opened.commonDir, PathBytes(repo + "/.git"))
    }

    func testFromEnvironmentSearchesTheCurrentDirectory() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/sub/f", "x")
        let opened = try withCurrentDirectory(repo + "/sub") {
            try GitRepository.open(at: "/nonexistent", fromEnvironment: true)
        }
        XCTAssertEqual(opened.workdir, PathBytes(repo))
    }

    func testFromEnvironmentHonoursGitDirAndWorkTree() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository("store.git", bare: true)
        try FileManager.default.createDirectory(atPath: scratch.path("tree"), withIntermediateDirectories: true)
        let opened = try withEnvironment(["GIT_DIR": repo, "GIT_WORK_TREE": scratch.path("tree")]) {
            try GitRepository.open(at: nil, fromEnvironment: true)
        }
        XCTAssertEqual(opened.gitDir, PathBytes(repo))
        XCTAssertEqual(opened.workdir, PathBytes(scratch.path("tree")))
        // The variable is put back after libgit2 has been kept from seeing it.
        XCTAssertEqual(ProcessInfo.processInfo.environment["GIT_WORK_TREE"], nil)
        XCTAssertEqual(try withEnvironment(["GIT_WORK_TREE": "x"]) { () throws -> String? in
            _ = try? GitRepository.open(at: nil, fromEnvironment: true)
            return ProcessInfo.processInfo.environment["GIT_WORK_TREE"]
        }, "x")
    }

    func testDubiousOwnershipIsWordedLikeGit() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to give the repository to another user") }
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.run("/bin/chown", ["-R", "65534:65534", repo], in: scratch.root)
        XCTAssertThrowsError(try GitRepository.open(at: repo, fromEnvironment: false)) { error in
            XCTAssertEqual((error as? GitError)?.message,
                           "detected dubious ownership in repository at '\(repo)'; to allow it: git config --global --add safe.directory \(repo)")
        }
    }

    func testSafeDirectoryValuesTheWayGitReadsThem() {
        let repo = PathBytes("/srv/checkouts/app")
        XCTAssertTrue(SafeDirectory.trusts(repo, values: ["*"]))
        XCTAssertTrue(SafeDirectory.trusts(repo, values: ["/srv/checkouts/*"]))
        XCTAssertFalse(SafeDirectory.trusts(repo, values: ["/srv/other/*"]))
        XCTAssertFalse(SafeDirectory.trusts(repo, values: ["*", ""]), "an empty value clears the list")
        XCTAssertTrue(SafeDirectory.trusts(repo, values: ["", "*"]))
        XCTAssertFalse(SafeDirectory.trusts(repo, values: []))
        XCTAssertFalse(SafeDirectory.trusts(repo, values: ["/srv/checkouts/app"]), "exact paths are libgit2's own job")
    }

    func testObjectIDRoundTripsHex() throws {
        let hex = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        let id = try XCTUnwrap(ObjectID(hex: hex))
        XCTAssertEqual(id.hex, hex)
        XCTAssertEqual(id, ObjectID(hex: hex))
        XCTAssertEqual(Set([id, ObjectID(hex: hex)!]).count, 1)
        XCTAssertNil(ObjectID(hex: "xyz"))
    }
}
