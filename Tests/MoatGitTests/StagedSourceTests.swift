import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

final class StagedSourceTests: XCTestCase {
    private func staged(_ path: String) throws -> StagedSource {
        try StagedSource(repository: GitRepository.open(at: path, fromEnvironment: false))
    }

    private func paths(_ source: StagedSource) -> [String] { source.blobs.map(\.path.description) }

    func testRepositoryWithoutCommits() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/a.txt", "hello\n")
        try scratch.write("repo/dir/b.bin", [0, 1, 2, 3])
        try scratch.git(["add", "."], in: repo)
        let source = try staged(repo)
        XCTAssertEqual(paths(source), ["a.txt", "dir/b.bin"])
        XCTAssertEqual(source.blobs.map(\.size), [6, 4])
        XCTAssertEqual(source.root, PathBytes(repo))
        XCTAssertEqual(try source.content(of: source.blobs[0]).all, Array("hello\n".utf8))
        XCTAssertEqual(try source.content(of: source.blobs[1]).all, [0, 1, 2, 3])
        XCTAssertEqual(source.blobs[0].blob.hex, try scratch.git(["rev-parse", ":a.txt"], in: repo).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func testModifiedAddedRenamedAndDeletedAfterACommit() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/keep.txt", "same\n")
        try scratch.write("repo/change.txt", "before\n")
        try scratch.write("repo/gone.txt", "bye\n")
        try scratch.write("repo/old-name.txt", "moving\n")
        try scratch.write("repo/unstaged.txt", "v1\n")
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "one"], in: repo)
        XCTAssertEqual(paths(try staged(repo)), [])

        try scratch.write("repo/change.txt", "after\n")
        try scratch.write("repo/new.sh", "#!/bin/sh\n")
        try scratch.write("repo/unstaged.txt", "v2\n")
        try scratch.git(["add", "change.txt", "new.sh"], in: repo)
        try scratch.git(["update-index", "--chmod=+x", "new.sh"], in: repo)
        try scratch.git(["rm", "-q", "gone.txt"], in: repo)
        try scratch.git(["mv", "old-name.txt", "new-name.txt"], in: repo)
        let source = try staged(repo)
        XCTAssertEqual(paths(source), ["change.txt", "new-name.txt", "new.sh"])
        XCTAssertEqual(source.blobs.map(\.mode), [.regular, .regular, .executable])
        XCTAssertEqual(try source.content(of: source.blobs[0]).all, Array("after\n".utf8))
    }

    func testSubmodulesAndSymlinksAreCountedNotRead() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/target.txt", "t\n")
        XCTAssertEqual(symlink("target.txt", repo + "/link"), 0)
        XCTAssertEqual(symlink("/etc/passwd", repo + "/outside"), 0)
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendor/lib"], in: repo)
        let source = try staged(repo)
        XCTAssertEqual(paths(source), ["target.txt"])
        XCTAssertEqual(source.skippedSymlinks, 2)
        XCTAssertEqual(source.skippedSubmodules, 1)
    }

    func testNonUTF8FileNameRoundTrips() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let name: [UInt8] = [0x66, 0xE9, 0x2E, 0x62, 0x69, 0x6E]  // "f\xe9.bin", Latin-1, not UTF-8
        let fd = open(PathBytes(repo).appending(name).cString, O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(write(fd, "x", 1), 1)
        close(fd)
        try scratch.git(["add", "-A"], in: repo)
        let source = try staged(repo)
        XCTAssertEqual(source.blobs.map(\.path), [PathBytes(name)])
        XCTAssertEqual(source.blobs[0].path.description, #""f\351.bin""#)
    }

    func testLinkedWorktreeSeesItsOwnIndex() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/a.txt", "a")
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "one"], in: repo)
        try scratch.git(["worktree", "add", "-q", "-b", "feature", scratch.path("wt")], in: repo)
        try scratch.write("wt/sub/in-worktree.txt", "w")
        try scratch.git(["add", "."], in: scratch.path("wt"))
        XCTAssertEqual(paths(try staged(scratch.path("wt/sub"))), ["sub/in-worktree.txt"])
        XCTAssertEqual(paths(try staged(repo)), [])
    }

    /// `git commit -a` / `git commit <path>` run the hook with a temporary index in GIT_INDEX_FILE.
    func testFromEnvironmentHonoursGitIndexFile() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/a.txt", "a")
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "one"], in: repo)
        try scratch.write("repo/a.txt", "changed")
        let temporaryIndex = scratch.path("next-index")
        try FileManager.default.copyItem(atPath: repo + "/.git/index", toPath: temporaryIndex)
        try scratch.git(["add", "a.txt"], in: repo, environment: ["GIT_INDEX_FILE": temporaryIndex])

        XCTAssertEqual(paths(try staged(repo)), [], "the real index has nothing staged")
        let fromEnvironment = try withEnvironment(["GIT_INDEX_FILE": temporaryIndex, "GIT_DIR": repo + "/.git"]) {
            try withCurrentDirectory(repo) { try StagedSource(repository: GitRepository.open(at: nil, fromEnvironment: true)) }
        }
        XCTAssertEqual(paths(fromEnvironment), ["a.txt"])
        XCTAssertEqual(try fromEnvironment.content(of: fromEnvironment.blobs[0]).all, Array("changed".utf8))
    }

    func testIntentToAddIsNotABlob() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/later.txt", "not yet")
        try scratch.write("repo/now.txt", "now")
        try scratch.git(["add", "now.txt"], in: repo)
        try scratch.git(["add", "-N", "later.txt"], in: repo)
        XCTAssertEqual(paths(try staged(repo)), ["now.txt"])
    }

    // MARK: big blobs

    private func bigContent() -> [UInt8] {
        (0..<(StagedSource.wholeReadLimit + 4096)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
    }

    /// Sets a file's mtime in the past, so the index written afterwards is not "racy" for it.
    private func age(_ path: String) {
        var times = [timespec(tv_sec: time(nil) - 100, tv_nsec: 0), timespec(tv_sec: time(nil) - 100, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
    }

    func testBigLooseBlobIsStreamed() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = bigContent()
        try scratch.write("repo/model.bin", content)
        try scratch.git(["add", "."], in: repo)
        let source = try staged(repo)
        XCTAssertEqual(source.blobs[0].size, content.count)
        let bytes = try source.content(of: source.blobs[0])
        XCTAssertTrue(bytes is StreamByteSource)
        XCTAssertEqual(bytes.read(at: 0, count: 4096), Array(content[0..<4096]))
        XCTAssertEqual(bytes.read(at: content.count - 10, count: 100), Array(content[(content.count - 10)...]))
        XCTAssertLessThan(bytes.bytesRead, content.count + (1 << 20))
    }

    func testBigPackedBlobIsReadFromItsPack() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = bigContent()
        try scratch.write("repo/model.bin", content)
        // Over core.bigFileThreshold, git add writes the blob straight into a pack.
        try scratch.git(["-c", "core.bigFileThreshold=1m", "add", "."], in: repo)
        let source = try staged(repo)
        XCTAssertNil(source.repository.streamBlob(source.blobs[0].blob, cap: 1024), "packed objects cannot be streamed")
        let bytes = try source.content(of: source.blobs[0])
        XCTAssertTrue(bytes is PackedBlobSource)
        XCTAssertEqual(bytes.read(at: 100, count: 10), Array(content[100..<110]))
        XCTAssertLessThan(bytes.bytesRead, 1 << 20)

        // The blob is read, not the work-tree file, whatever happens to the file.
        var changed = content
        changed[100] ^= 0xFF
        try scratch.write("repo/model.bin", changed)
        XCTAssertEqual(try source.content(of: source.blobs[0]).read(at: 100, count: 10), Array(content[100..<110]))
    }

    /// Stages a big blob that ends up deltified in a pack (against a bigger committed version), with
    /// its work-tree file aged so the index vouches for it. Returns the staged content.
    private func stageDeltifiedBigBlob(_ scratch: Scratch, _ repo: String) throws -> [UInt8] {
        let content = bigContent()
        try scratch.write("repo/model.bin", content + Array(repeating: 1, count: 8192))  // bigger: the delta base
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "base"], in: repo)
        try scratch.write("repo/model.bin", content)
        age(repo + "/model.bin")
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["repack", "-adfq", "--window=10"], in: repo)  // packs the index's objects too
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let id = try staged(repo).blobs[0].blob
        XCTAssertEqual(repository.packStore()?.entry(of: id)?.entry.kind.isDelta, true, "the staged blob is deltified")
        XCTAssertNil(repository.packedBlobSource(id))
        return content
    }

    func testBigDeltifiedBlobFallsBackToAnUnchangedWorkTreeFile() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = try stageDeltifiedBigBlob(scratch, repo)
        let source = try staged(repo)
        let bytes = try source.content(of: source.blobs[0])
        XCTAssertTrue(bytes is FileByteSource)
        XCTAssertEqual(bytes.read(at: 100, count: 10), Array(content[100..<110]))

        // Once the work-tree file changes (same size, new mtime), the blob itself is read.
        var changed = content
        changed[100] ^= 0xFF
        try scratch.write("repo/model.bin", changed)
        let reread = try source.content(of: source.blobs[0])
        XCTAssertTrue(reread is MemoryByteSource)
        XCTAssertEqual(reread.read(at: 100, count: 10), Array(content[100..<110]))
    }

    func testBigDeltifiedBlobIsReadWholeWhenTheWorkTreeFileIsRacy() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = try stageDeltifiedBigBlob(scratch, repo)
        // Make the file look modified after the index was written (same second as the index at best).
        var times = [timespec(tv_sec: time(nil) + 100, tv_nsec: 0), timespec(tv_sec: time(nil) + 100, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, repo + "/model.bin", &times, 0), 0)
        try scratch.git(["update-index", "--really-refresh"], in: repo)  // index mtime now older than the file
        let source = try staged(repo)
        let bytes = try source.content(of: source.blobs[0])
        XCTAssertTrue(bytes is MemoryByteSource)
        XCTAssertEqual(bytes.size, content.count)
    }
}
