import Foundation
import MoatBytes
@testable import MoatGit
import Synchronization
import XCTest

/// A repository with commits at fixed, increasing dates, for deterministic history tests.
private final class HistoryRepo {
    let scratch: Scratch
    let path: String
    private var clock = 1_700_000_000

    init(_ scratch: Scratch, _ relative: String = "repo") throws {
        self.scratch = scratch
        self.path = try scratch.initRepository(relative)
    }

    init(_ scratch: Scratch, existing path: String) {
        self.scratch = scratch
        self.path = path
    }

    var dates: [String: String] {
        ["GIT_AUTHOR_DATE": "@\(clock) +0000", "GIT_COMMITTER_DATE": "@\(clock) +0000"]
    }

    @discardableResult
    func git(_ arguments: [String]) throws -> String {
        try scratch.git(arguments, in: path, environment: dates).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ file: String, _ content: String) throws {
        try scratch.write(String(path.dropFirst(scratch.root.count + 1)) + "/" + file, content)
    }

    /// Writes `files`, stages everything and commits; returns the commit id.
    @discardableResult
    func commit(_ message: String, _ files: [String: String] = [:], remove: [String] = [], stage: Bool = true) throws -> String {
        for (name, content) in files { try write(name, content) }
        for name in remove { try git(["rm", "-q", name]) }
        if stage { try git(["add", "-A"]) }
        clock += 60
        try git(["commit", "-q", "--allow-empty", "-m", message])
        return try git(["rev-parse", "HEAD"])
    }

    func blobID(_ content: String) throws -> String {
        try scratch.run("/bin/sh", ["-c", "printf '%s' \"$1\" | git hash-object --stdin", "sh", content], in: path)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The walk of `selection`, done twice: trees read one by one through libgit2, and trees
    /// decoded up front from the packs by two threads. Both must give the same result.
    func history(_ selection: RevisionSelection = .allRefs(includeUnreachable: false),
                 file: StaticString = #filePath, line: UInt = #line) throws -> HistorySource {
        let plain = try HistorySource(repository: GitRepository.open(at: path, fromEnvironment: false), selection: selection,
                                      treePreload: .never)
        let preloaded = try HistorySource(repository: GitRepository.open(at: path, fromEnvironment: false), selection: selection,
                                          workers: 2, treePreload: .always)
        assertSameWalk(plain, preloaded, file: file, line: line)
        return preloaded
    }
}

/// Two walks agree on everything but how their trees were read.
func assertSameWalk(_ a: HistorySource, _ b: HistorySource, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.blobs, b.blobs, file: file, line: line)
    var sa = a.stats, sb = b.stats
    sa.treesPreloaded = 0
    sb.treesPreloaded = 0
    XCTAssertEqual(sa, sb, file: file, line: line)
    XCTAssertEqual(a.missingSamples, b.missingSamples, file: file, line: line)
}

private extension HistorySource {
    func blob(_ id: String) -> HistoryBlob? { blobs.first { $0.id.hex == id } }
    var paths: [String] { blobs.map(\.path.description) }
}

final class HistorySourceTests: XCTestCase {
    // MARK: attribution

    func testFileAddedThenDeletedIsFoundWithItsIntroducingCommit() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        let first = try repo.commit("one", ["keep.txt": "keep\n"])
        let second = try repo.commit("add secret", ["model.bin": "weights\n"])
        try repo.commit("remove it", remove: ["model.bin"])
        let source = try repo.history()
        XCTAssertEqual(source.paths, ["keep.txt", "model.bin"])
        let secret = try XCTUnwrap(source.blob(try repo.blobID("weights\n")))
        XCTAssertEqual(secret.firstCommit?.hex, second)
        XCTAssertEqual(secret.path, PathBytes("model.bin"))
        XCTAssertFalse(secret.inHead)
        XCTAssertEqual(secret.size, 8)
        XCTAssertEqual(secret.author, "Test")
        XCTAssertEqual(secret.authorEmail, "test@example.com")
        XCTAssertEqual(secret.time, 1_700_000_120)
        XCTAssertTrue(secret.reachable)
        let keep = try XCTUnwrap(source.blob(try repo.blobID("keep\n")))
        XCTAssertEqual(keep.firstCommit?.hex, first)
        XCTAssertTrue(keep.inHead)
        // Met in the new root trees of commits 1 and 2; commit 3's root tree is commit 1's again.
        XCTAssertEqual(keep.commitCount, 2)
        XCTAssertEqual(source.stats.commits, 3)
        XCTAssertEqual(source.stats.blobs, 2)
        XCTAssertEqual(source.stats.missingObjects, 0)
        XCTAssertFalse(source.stats.shallow)
    }

    func testRenameKeepsTheFirstPath() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        let first = try repo.commit("one", ["old/name.txt": "content\n"])
        try repo.git(["mv", "old", "new"])
        try repo.commit("rename")
        let source = try repo.history()
        XCTAssertEqual(source.blobs.count, 1)
        XCTAssertEqual(source.blobs[0].path, PathBytes("old/name.txt"))
        XCTAssertEqual(source.blobs[0].firstCommit?.hex, first)
        XCTAssertTrue(source.blobs[0].inHead)
        // The `new` directory holds the same tree object as `old` did: walked once, one path counted.
        XCTAssertEqual(source.blobs[0].pathCount, 1)

        try repo.git(["mv", "new/name.txt", "new/renamed.txt"])
        try repo.commit("rename the file")
        let again = try repo.history()
        XCTAssertEqual(again.blobs.count, 1)
        XCTAssertEqual(again.blobs[0].path, PathBytes("old/name.txt"))
        XCTAssertEqual(again.blobs[0].pathCount, 2)
    }

    func testSameBlobUnderManyPathsIsOneBlob() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("copies", ["a.txt": "same\n", "b.txt": "same\n", "dir/c.txt": "same\n", "other.txt": "other\n"])
        let source = try repo.history()
        XCTAssertEqual(source.blobs.count, 2)
        let same = try XCTUnwrap(source.blob(try repo.blobID("same\n")))
        XCTAssertEqual(same.path, PathBytes("a.txt"))
        XCTAssertEqual(same.pathCount, 3)
        XCTAssertEqual(same.commitCount, 1)
        XCTAssertEqual(source.blob(try repo.blobID("other\n"))?.pathCount, 1)
    }

    func testMergesIncludingContentWrittenInTheMergeCommit() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("base", ["shared.txt": "v1\n"])
        try repo.git(["checkout", "-q", "-b", "feature"])
        let onFeature = try repo.commit("feature work", ["feature.txt": "feature\n"])
        try repo.git(["checkout", "-q", "main"])
        let onMain = try repo.commit("main work", ["main.txt": "main\n"])
        try repo.git(["merge", "-q", "--no-ff", "--no-commit", "feature"])
        try repo.write("shared.txt", "resolved in the merge\n")
        try repo.git(["add", "shared.txt"])
        let merge = try repo.commit("merge feature")
        let source = try repo.history()
        XCTAssertEqual(source.blob(try repo.blobID("feature\n"))?.firstCommit?.hex, onFeature)
        XCTAssertEqual(source.blob(try repo.blobID("main\n"))?.firstCommit?.hex, onMain)
        XCTAssertEqual(source.blob(try repo.blobID("resolved in the merge\n"))?.firstCommit?.hex, merge)
        XCTAssertEqual(source.blobs.count, 4)
        XCTAssertEqual(source.stats.commits, 4)
        // Parents come before children, and the walk order is by time among unrelated commits.
        XCTAssertEqual(source.blobs.last?.firstCommit?.hex, merge)
    }

    func testBlobOnlyReachableFromTags() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("main", ["readme.txt": "hi\n"])
        try repo.git(["checkout", "-q", "--orphan", "release"])
        try repo.git(["rm", "-rq", "--cached", "."])
        let tagged = try repo.commit("tagged only", ["tagged.txt": "only in a tag\n"])
        try repo.git(["tag", "-a", "-m", "v1", "v1"])
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["branch", "-D", "release"])
        // A lightweight tag of a blob and an annotated tag of a tree, without any commit.
        let loose = try repo.scratch.run("/bin/sh", ["-c", "printf 'tagged blob' | git hash-object -w --stdin"], in: repo.path)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try repo.git(["tag", "blob-tag", loose])
        let tree = try repo.scratch.run("/bin/sh", ["-c", "printf '100644 blob %s\\tin-tree.txt\\n' \"$(printf 'tree blob' | git hash-object -w --stdin)\" | git mktree"],
                                        in: repo.path).trimmingCharacters(in: .whitespacesAndNewlines)
        try repo.git(["tag", "-a", "-m", "a tree", "tree-tag", tree])

        let source = try repo.history()
        let onlyTagged = try XCTUnwrap(source.blob(try repo.blobID("only in a tag\n")))
        XCTAssertEqual(onlyTagged.firstCommit?.hex, tagged)
        XCTAssertFalse(onlyTagged.inHead)
        let blobTag = try XCTUnwrap(source.blob(loose))
        XCTAssertNil(blobTag.firstCommit)
        XCTAssertTrue(blobTag.reachable)
        XCTAssertEqual(blobTag.path, PathBytes(""))
        let inTree = try XCTUnwrap(source.blob(try repo.blobID("tree blob")))
        XCTAssertNil(inTree.firstCommit)
        XCTAssertEqual(inTree.path, PathBytes("in-tree.txt"))
        // Commitless blobs come last.
        XCTAssertEqual(source.blobs.map { $0.firstCommit == nil }, [false, false, true, true])
    }

    func testStashEntriesAreWalked() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("base", ["config.txt": "clean\n"])
        try repo.write("config.txt", "older stash\n")
        try repo.git(["stash", "-q"])
        try repo.write("config.txt", "newer stash\n")
        try repo.write("untracked.txt", "untracked secret\n")
        try repo.git(["stash", "-q", "-u"])
        XCTAssertEqual(try repo.git(["stash", "list"]).split(separator: "\n").count, 2)
        let source = try repo.history()
        for content in ["older stash\n", "newer stash\n", "untracked secret\n"] {
            let blob = try XCTUnwrap(source.blob(try repo.blobID(content)), content)
            XCTAssertNotNil(blob.firstCommit)
            XCTAssertFalse(blob.inHead)
        }
    }

    // MARK: ranges

    private func featureBranch(_ scratch: Scratch) throws -> HistoryRepo {
        let repo = try HistoryRepo(scratch)
        try repo.commit("base", ["a.txt": "a\n", "b.txt": "b\n"])
        try repo.commit("main 2", ["a.txt": "a2\n"])
        try repo.git(["checkout", "-q", "-b", "feature"])
        try repo.commit("feature 1", ["f.txt": "f1\n", "dir/g.txt": "g\n"])
        try repo.commit("feature 2", ["f.txt": "f2\n", "b.txt": "a\n"])  // b.txt now holds a blob from base
        try repo.git(["checkout", "-q", "main"])
        try repo.commit("main 3", ["m.txt": "m\n"])
        return repo
    }

    func testRangeListsOnlyWhatTheFeatureBranchIntroduces() throws {
        let scratch = try Scratch()
        let repo = try featureBranch(scratch)
        // In walk order, by path within a commit: dir/g.txt, f.txt; then b.txt, f.txt.
        let expected = try ["g\n", "f1\n", "a\n", "f2\n"].map(repo.blobID)
        for specs in [["main..feature"], ["feature", "^main"]] {
            let source = try repo.history(.revisions(specs))
            XCTAssertEqual(source.blobs.map(\.id.hex), expected, "\(specs)")
            XCTAssertEqual(source.stats.commits, 2)
            XCTAssertEqual(source.stats.boundaryCommits, 1)
        }
        // "a\n" was in base but not in the boundary commit's tree (main 2 changed a.txt): listed again,
        // attributed to the feature commit that brought it back.
        let source = try repo.history(.revisions(["main..feature"]))
        XCTAssertEqual(source.blob(try repo.blobID("a\n"))?.path, PathBytes("b.txt"))
        XCTAssertFalse(source.blob(try repo.blobID("a\n"))!.inHead)

        let symmetric = try repo.history(.revisions(["main...feature"]))
        XCTAssertEqual(Set(symmetric.blobs.map(\.id.hex)), Set(expected + [try repo.blobID("m\n")]))
        let single = try repo.history(.revisions(["feature^!"]))
        XCTAssertEqual(single.blobs.map(\.id.hex), try ["a\n", "f2\n"].map(repo.blobID))
        // b.txt's "b\n" is not in the boundary (feature 2 overwrote it there): it counts as introduced.
        XCTAssertEqual(try repo.history(.revisions(["feature..main"])).blobs.map(\.id.hex), try ["b\n", "m\n"].map(repo.blobID))
        XCTAssertEqual(try repo.history(.revisions(["main..main"])).blobs.count, 0)
        XCTAssertEqual(try repo.history(.revisions(["main.."])).blobs.count, 0)  // an empty side is HEAD
        XCTAssertEqual(try repo.history(.revisions(["..feature"])).blobs.map(\.id.hex), expected)
        XCTAssertEqual(try repo.history(.revisions([])).blobs.count, 0)
        // A single revision: everything it reaches.
        XCTAssertEqual(try repo.history(.revisions(["main"])).blobs.count, 4)
    }

    func testUnknownRevisionsAndEmptyRepositories() throws {
        let scratch = try Scratch()
        let empty = try HistoryRepo(scratch, "empty")
        let nothing = try empty.history()
        XCTAssertEqual(nothing.blobs.count, 0)
        XCTAssertEqual(nothing.stats.commits, 0)
        XCTAssertThrowsError(try empty.history(.revisions(["HEAD"]))) { XCTAssertEqual("\($0)", "unknown revision 'HEAD'") }

        let repo = try featureBranch(scratch)
        XCTAssertThrowsError(try repo.history(.revisions(["foo"]))) { XCTAssertEqual("\($0)", "unknown revision 'foo'") }
        XCTAssertThrowsError(try repo.history(.revisions(["foo..main"]))) { XCTAssertEqual("\($0)", "unknown revision 'foo'") }
        XCTAssertThrowsError(try repo.history(.revisions(["main..nope"]))) { XCTAssertEqual("\($0)", "unknown revision 'nope'") }
        XCTAssertThrowsError(try repo.history(.revisions(["^bar"]))) { XCTAssertEqual("\($0)", "unknown revision 'bar'") }
        XCTAssertThrowsError(try repo.history(.revisions([""]))) { XCTAssertEqual("\($0)", "unknown revision ''") }
        XCTAssertThrowsError(try repo.history(.revisions(["main^{tree}"]))) {
            XCTAssertEqual("\($0)", "revision 'main^{tree}' is a tree, not a commit")
        }
    }

    // MARK: pre-push

    /// A repository with a bare remote `origin` that has `main` (base + main 2).
    private func pushedRepository(_ scratch: Scratch) throws -> HistoryRepo {
        let remote = scratch.path("remote.git")
        try scratch.initRepository("remote.git", bare: true)
        let repo = try HistoryRepo(scratch)
        try repo.commit("base", ["a.txt": "a\n"])
        try repo.commit("main 2", ["b.txt": "b\n"])
        try repo.git(["remote", "add", "origin", remote])
        try repo.git(["push", "-q", "origin", "main"])
        return repo
    }

    private func line(_ local: String, _ localID: String, _ remote: String, _ remoteID: String) throws -> PrePushLine {
        try PrePushLine(parsing: "\(local) \(localID) \(remote) \(remoteID)")
    }

    private let zeros = String(repeating: "0", count: 40)

    /// Found by the pre-push fuzzer: a malformed line was quoted raw (200 bytes, escape sequences
    /// and NULs included) into the error printed on the terminal.
    func testPrePushErrorsQuoteAShortEscapedExcerpt() {
        let inputs = [String(repeating: "\u{1B}[2J", count: 100) + "\n", "refs/heads/main 43e55a2a8b5c1dd47dcc5\u{0}c9e9014eef3e525cd2a refs/heads/main \(zeros)\n",
                      "\u{202E}evil\n"]
        for input in inputs {
            XCTAssertThrowsError(try PrePushLine.parse(input)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("pre-push input, line 1: "), message)
                XCTAssertFalse(message.unicodeScalars.contains(where: TerminalText.isUnsafe), message.debugDescription)
                XCTAssertLessThan(message.count, 300, message)
            }
        }
    }

    func testPrePushOfANewBranchHidesWhatTheRemoteHas() throws {
        let scratch = try Scratch()
        let repo = try pushedRepository(scratch)
        try repo.git(["checkout", "-q", "-b", "topic"])
        let topic = try repo.commit("topic", ["t.txt": "topic\n"])
        // Capture what git really writes to the hook, and refuse the push (so origin/topic is not created).
        let capture = scratch.path("pre-push-input")
        try scratch.write("repo/.git/hooks/pre-push", "#!/bin/sh\ncat > '\(capture)'\nexit 1\n")
        XCTAssertEqual(chmod(scratch.path("repo/.git/hooks/pre-push"), 0o755), 0)
        XCTAssertNotEqual(try scratch.execute("/usr/bin/env", ["git", "push", "-q", "origin", "topic"], in: repo.path).status, 0)
        let lines = try PrePushLine.parse(String(contentsOfFile: capture, encoding: .utf8))
        XCTAssertEqual(lines, [try line("refs/heads/topic", topic, "refs/heads/topic", zeros)])
        XCTAssertTrue(lines[0].isNewRef)

        let source = try repo.history(.prePush(lines: lines, remote: "origin"))
        XCTAssertEqual(source.blobs.map(\.id.hex), [try repo.blobID("topic\n")])
        XCTAssertEqual(source.stats.commits, 1)
    }

    func testPrePushOfANewBranchWithoutRemoteTrackingRefsSendsEverything() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("one", ["a.txt": "a\n"])
        let head = try repo.commit("two", ["b.txt": "b\n"])
        let source = try repo.history(.prePush(lines: [try line("refs/heads/main", head, "refs/heads/main", zeros)], remote: "origin"))
        XCTAssertEqual(source.blobs.count, 2)
        XCTAssertEqual(source.stats.commits, 2)
        XCTAssertEqual(source.stats.boundaryCommits, 0)
    }

    func testPrePushOfAnUpdateSendsOnlyNewCommits() throws {
        let scratch = try Scratch()
        let repo = try pushedRepository(scratch)
        let remoteMain = try repo.git(["rev-parse", "origin/main"])
        let head = try repo.commit("three", ["c.txt": "c\n"])
        let source = try repo.history(.prePush(lines: [try line("refs/heads/main", head, "refs/heads/main", remoteMain)], remote: "origin"))
        XCTAssertEqual(source.blobs.map(\.id.hex), [try repo.blobID("c\n")])
        XCTAssertEqual(source.stats.unknownRemoteCommits, 0)
    }

    func testPrePushOfADeletionSendsNothing() throws {
        let scratch = try Scratch()
        let repo = try pushedRepository(scratch)
        let remoteMain = try repo.git(["rev-parse", "origin/main"])
        let source = try repo.history(.prePush(lines: [try line("(delete)", zeros, "refs/heads/main", remoteMain)], remote: "origin"))
        XCTAssertTrue(source.blobs.isEmpty)
        XCTAssertEqual(source.stats.commits, 0)
        XCTAssertEqual(try repo.history(.prePush(lines: [], remote: "origin")).blobs.count, 0)
    }

    func testPrePushOfAForcePush() throws {
        let scratch = try Scratch()
        let repo = try pushedRepository(scratch)
        let remoteMain = try repo.git(["rev-parse", "origin/main"])
        // Rewrite main: drop "main 2" (b.txt) and commit something else.
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        let rewritten = try repo.commit("rewritten", ["r.txt": "rewritten\n", "a.txt": "b\n"])
        let known = try repo.history(.prePush(lines: [try line("refs/heads/main", rewritten, "refs/heads/main", remoteMain)], remote: "origin"))
        // "b\n" is in the remote commit's tree (as b.txt): not sent again even under a new path.
        XCTAssertEqual(known.blobs.map(\.id.hex), [try repo.blobID("rewritten\n")])

        // The remote moved to a commit we never saw: hide the remote-tracking refs instead.
        let unknown = String(repeating: "1234", count: 10)
        let fallback = try repo.history(.prePush(lines: [try line("refs/heads/main", rewritten, "refs/heads/main", unknown)], remote: "origin"))
        XCTAssertEqual(fallback.blobs.map(\.id.hex), [try repo.blobID("rewritten\n")])
        XCTAssertEqual(fallback.stats.unknownRemoteCommits, 1)
        XCTAssertEqual(fallback.stats.boundaryCommits, 1)

        XCTAssertThrowsError(try repo.history(.prePush(lines: [try line("refs/heads/x", unknown, "refs/heads/x", zeros)], remote: "origin"))) {
            XCTAssertTrue("\($0)".contains("not in this repository"), "\($0)")
        }
    }

    func testPrePushLineParsing() throws {
        let id = String(repeating: "ab", count: 20)
        let lines = try PrePushLine.parse("refs/heads/a \(id) refs/heads/b \(zeros)\r\n\n(delete) \(zeros) refs/heads/c \(id)\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0].localRef, "refs/heads/a")
        XCTAssertEqual(lines[0].localID.hex, id)
        XCTAssertTrue(lines[0].isNewRef)
        XCTAssertFalse(lines[0].isDeletion)
        XCTAssertTrue(lines[1].isDeletion)
        XCTAssertEqual(try PrePushLine.parse(""), [])
        XCTAssertThrowsError(try PrePushLine.parse("ok \(id) refs/heads/b \(zeros)\nrefs/heads/a \(id)\n")) {
            XCTAssertEqual("\($0)", "pre-push input, line 2: expected '<local ref> <local sha> <remote ref> <remote sha>', got 2 fields: 'refs/heads/a \(id)'")
        }
        XCTAssertThrowsError(try PrePushLine.parse("refs/heads/a xyz refs/heads/b \(zeros)")) {
            XCTAssertEqual("\($0)", "pre-push input, line 1: local sha 'xyz' is not a 40-digit object id")
        }
        XCTAssertThrowsError(try PrePushLine.parse("refs/heads/a \(id) refs/heads/b \(String(repeating: "0", count: 64))")) {
            XCTAssertTrue("\($0)".contains("SHA-256"), "\($0)")
        }
    }

    // MARK: clones with parts missing

    private func linearSource(_ scratch: Scratch, commits: Int) throws -> HistoryRepo {
        let repo = try HistoryRepo(scratch, "source")
        for i in 1...commits { try repo.commit("c\(i)", ["file\(i).txt": "content \(i)\n"]) }
        return repo
    }

    func testShallowCloneStopsAtTheBoundary() throws {
        let scratch = try Scratch()
        let source = try linearSource(scratch, commits: 6)
        try scratch.git(["clone", "-q", "--depth", "3", "file://\(source.path)", scratch.path("shallow")], in: scratch.root)
        let clone = HistoryRepo(scratch, existing: scratch.path("shallow"))
        let boundary = try clone.git(["rev-parse", "HEAD~2"])
        let history = try clone.history()
        XCTAssertTrue(history.stats.shallow)
        XCTAssertEqual(history.stats.commits, 3)
        XCTAssertEqual(history.stats.missingObjects, 0)
        XCTAssertEqual(history.blobs.count, 6)
        // Files older than the boundary are attributed to the boundary commit: the first one we have.
        XCTAssertEqual(history.blob(try source.blobID("content 1\n"))?.firstCommit?.hex, boundary)
        XCTAssertEqual(history.blob(try source.blobID("content 6\n"))?.firstCommit?.hex, try clone.git(["rev-parse", "HEAD"]))
        XCTAssertEqual(history.blobs.filter { $0.firstCommit?.hex == boundary }.count, 4)
        XCTAssertTrue(history.blobs.allSatisfy(\.inHead))

        let range = try clone.history(.revisions(["HEAD~1..HEAD"]))
        XCTAssertEqual(range.blobs.map(\.id.hex), [try source.blobID("content 6\n")])
        XCTAssertEqual(try clone.history(.revisions(["HEAD"])).blobs.count, 6)
    }

    func testPartialCloneReportsMissingBlobs() throws {
        let scratch = try Scratch()
        let source = try linearSource(scratch, commits: 3)
        try source.git(["config", "uploadpack.allowFilter", "true"])
        try scratch.git(["clone", "-q", "--filter=blob:none", "--no-checkout", "file://\(source.path)", scratch.path("partial")],
                        in: scratch.root)
        let clone = HistoryRepo(scratch, existing: scratch.path("partial"))
        let history = try clone.history()
        XCTAssertEqual(history.blobs.count, 0)
        XCTAssertEqual(history.stats.commits, 3)
        XCTAssertEqual(history.stats.missingBlobs, 3)
        XCTAssertEqual(history.stats.missingObjects, 3)
        XCTAssertEqual(Set(history.missingSamples.map(\.id.hex)), Set(try (1...3).map { try source.blobID("content \($0)\n") }))
        XCTAssertTrue(history.missingSamples.allSatisfy { $0.kind == .blob })
    }

    func testDamagedRepositoryMissingTreeAndCommit() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("one", ["dir/a.txt": "a\n", "top.txt": "top\n"])
        let second = try repo.commit("two", ["other/b.txt": "b\n"])
        try repo.commit("three", ["c.txt": "c\n"])
        func objectFile(_ id: String) -> String { repo.path + "/.git/objects/" + id.prefix(2) + "/" + id.dropFirst(2) }
        // Remove the tree of `other/` (loose objects: the repository was never packed).
        let otherTree = try repo.git(["rev-parse", "\(second):other"])
        try FileManager.default.removeItem(atPath: objectFile(otherTree))
        var history = try repo.history()
        XCTAssertEqual(history.stats.missingTrees, 1)
        XCTAssertEqual(history.missingSamples, [MissingObject(id: ObjectID(hex: otherTree)!, kind: .tree)])
        XCTAssertNil(history.blob(try repo.blobID("b\n")))
        XCTAssertEqual(history.blobs.count, 3)

        // Remove a whole commit in the middle: libgit2's walk fails, ours goes on.
        try FileManager.default.removeItem(atPath: objectFile(second))
        history = try repo.history()
        XCTAssertEqual(history.stats.missingCommits, 1)
        XCTAssertEqual(history.stats.commits, 1)
        XCTAssertEqual(Set(history.paths), ["c.txt", "dir/a.txt", "top.txt"])
    }

    // MARK: odd trees

    func testNonUTF8PathsSymlinksAndSubmodules() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        let name: [UInt8] = [0x63, 0x61, 0x66, 0xE9, 0x2E, 0x62, 0x69, 0x6E]  // "caf\xe9.bin"
        let fd = open(PathBytes(repo.path).appending(name).cString, O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(write(fd, "x", 1), 1)
        close(fd)
        XCTAssertEqual(symlink("/etc/passwd", repo.path + "/link"), 0)
        try repo.git(["add", "-A"])
        try repo.git(["update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendor/lib"])
        try repo.commit("odd", stage: false)
        let history = try repo.history()
        XCTAssertEqual(history.blobs.map(\.path), [PathBytes(name)])
        XCTAssertEqual(history.blobs[0].path.description, #""caf\351.bin""#)
        XCTAssertEqual(history.stats.skippedSymlinks, 1)
        XCTAssertEqual(history.stats.skippedGitlinks, 1)
    }

    func testVeryDeepTree() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        let depth = 1500
        let path = Array(repeating: "d", count: depth).joined(separator: "/") + "/deep.txt"
        let script = "commit refs/heads/main\ncommitter Test <test@example.com> 1700000000 +0000\ndata 4\ndeep\nM 100644 inline \(path)\ndata 5\ndeep\n\n"
        try scratch.run("/usr/bin/env", ["git", "fast-import", "--quiet"], in: repo.path, stdin: script)
        let history = try repo.history()
        XCTAssertEqual(history.blobs.count, 1)
        XCTAssertEqual(history.blobs[0].path, PathBytes(path))
        XCTAssertEqual(history.stats.trees, depth + 1)
    }

    func testUnreachableBlobsOnlyWhenAsked() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("one", ["a.txt": "a\n"])
        let dangling = try scratch.run("/bin/sh", ["-c", "printf 'dangling secret' | git hash-object -w --stdin"], in: repo.path)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNil(try repo.history().blob(dangling))
        let all = try repo.history(.allRefs(includeUnreachable: true))
        let blob = try XCTUnwrap(all.blob(dangling))
        XCTAssertFalse(blob.reachable)
        XCTAssertNil(blob.firstCommit)
        XCTAssertEqual(blob.size, 15)
        XCTAssertEqual(all.blobs.last?.id.hex, dangling)
        XCTAssertEqual(all.stats.unreachableBlobs, 1)
        XCTAssertEqual(all.blobs.count, 2)
    }

    // MARK: determinism

    func testTwoRunsGiveIdenticalOutput() throws {
        let scratch = try Scratch()
        let repo = try featureBranch(scratch)
        // Unrelated branches with commits at the same second, and a merge.
        try repo.git(["checkout", "-q", "--orphan", "side"])
        try repo.commit("side", ["s.txt": "s\n", "a.txt": "a\n"])
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["merge", "-q", "--no-edit", "feature"])
        let first = try repo.history()
        let second = try repo.history()
        XCTAssertEqual(first.blobs, second.blobs)
        XCTAssertEqual(first.stats, second.stats)
        XCTAssertGreaterThan(first.blobs.count, 5)
    }

    // MARK: packed histories (trees decoded up front, blobs read in pack order)

    func testPackedHistoryWithDeltasWalksAndReadsLikeLibgit2() throws {
        let scratch = try Scratch()
        let path = try PackObjectDecoderTests.evolvingRepository(scratch, commits: 150)
        let repo = HistoryRepo(scratch, existing: path)
        // A side branch merged back, a tag, and objects written after the repack (loose).
        try repo.git(["checkout", "-q", "-b", "side", "main~40"])
        try repo.commit("side", ["src/module1/side.txt": "side\n"])
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["merge", "-q", "--no-edit", "side"])
        try repo.git(["tag", "v1", "main~100"])
        try repo.commit("loose", ["src/module0/file.txt": "replaced after the repack\n", "new/dir/x.txt": "x\n"])

        let history = try repo.history()
        XCTAssertGreaterThan(history.stats.treesPreloaded, 300)
        XCTAssertGreaterThan(history.blobs.count, 250)
        XCTAssertNotNil(history.blob(try repo.blobID("replaced after the repack\n")), "a loose blob under a loose tree")

        // Every blob handed over once, with the bytes libgit2 reads, through a small whole-read
        // limit so both the pack decoder and the libgit2 fallback serve some.
        let repository = try GitRepository.open(at: path, fromEnvironment: false)
        let seen = Mutex<[Int: [UInt8]]>([:])
        try history.readBlobs(gitDir: repository.gitDir, workers: 2, wholeReadLimit: 4000) { i, source, error in
            XCTAssertNil(error)
            let bytes = source.flatMap { $0.read(at: 0, count: $0.size) } ?? []
            seen.withLock { XCTAssertNil($0.updateValue(bytes, forKey: i), "blob \(i) handed over twice") }
        }
        let got = seen.withLock { $0 }
        XCTAssertEqual(got.count, history.blobs.count)
        XCTAssertGreaterThan(history.blobs.filter { $0.size > 4000 }.count, 10)
        for (i, blob) in history.blobs.enumerated() {
            XCTAssertEqual(got[i], try repository.readBlob(blob.id), "blob \(blob.path)")
        }
    }

    func testTreeMissingFromAPackIsReportedInBothModes() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        try repo.commit("one", ["dir/a.txt": "a\n", "top.txt": "top\n"])
        let second = try repo.commit("two", ["other/b.txt": "b\n"])
        try repo.commit("three", ["c.txt": "c\n"])
        // Repack everything but the tree of `other/`, then drop that tree.
        let otherTree = try repo.git(["rev-parse", "\(second):other"])
        let ids = try repo.git(["rev-list", "--objects", "--all"]).split(separator: "\n").map { String($0.prefix(40)) }
            .filter { $0 != otherTree }
        try scratch.run("/usr/bin/env", ["git", "pack-objects", "-q", ".git/objects/pack/pack"], in: repo.path,
                        stdin: ids.joined(separator: "\n") + "\n")
        try repo.git(["prune-packed"])
        try FileManager.default.removeItem(atPath: repo.path + "/.git/objects/" + otherTree.prefix(2) + "/" + otherTree.dropFirst(2))
        let history = try repo.history()
        XCTAssertGreaterThan(history.stats.treesPreloaded, 0)
        XCTAssertEqual(history.stats.missingTrees, 1)
        XCTAssertEqual(history.missingSamples, [MissingObject(id: ObjectID(hex: otherTree)!, kind: .tree)])
        XCTAssertEqual(Set(history.paths), ["c.txt", "dir/a.txt", "top.txt"])
    }

    func testPackedEmptyTreesAreWalked() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        for i in 0..<3 { try repo.commit("empty \(i)", stage: false) }
        try repo.commit("one file", ["a.txt": "a\n"])
        try repo.commit("empty again", remove: ["a.txt"])
        try repo.git(["repack", "-adq"])
        let history = try repo.history()
        XCTAssertEqual(history.stats.treesPreloaded, 2, "the empty tree and the one holding a.txt")
        XCTAssertEqual(history.paths, ["a.txt"])
        XCTAssertFalse(history.blobs[0].inHead)
    }

    func testWalkReportsItsSteps() throws {
        let scratch = try Scratch()
        let path = try PackObjectDecoderTests.evolvingRepository(scratch, commits: 1100)
        var steps: [String] = []
        let history = try HistorySource(repository: GitRepository.open(at: path, fromEnvironment: false),
                                        selection: .allRefs(includeUnreachable: false)) { step in
            switch step {
            case .decodingTrees(let commits): steps.append("trees \(commits)")
            case .walking(let done, let total): steps.append("walk \(done)/\(total)")
            }
        }
        XCTAssertGreaterThan(history.stats.treesPreloaded, 0, "1,100 commits: preloaded automatically")
        XCTAssertEqual(steps, ["trees 1100", "walk 0/1100", "walk 1024/1100"])
    }

    // MARK: pre-receive

    func testPreReceiveLinesParse() throws {
        let a = String(repeating: "a", count: 40), b = String(repeating: "b", count: 40)
        let lines = try PreReceiveLine.parse("\(zeros) \(a) refs/heads/new\n\n\(a) \(b) refs/heads/main\r\n\(b) \(zeros) refs/tags/old\n")
        XCTAssertEqual(lines.map(\.ref), ["refs/heads/new", "refs/heads/main", "refs/tags/old"])
        XCTAssertEqual(lines.map(\.isCreation), [true, false, false])
        XCTAssertEqual(lines.map(\.isDeletion), [false, false, true])
        XCTAssertThrowsError(try PreReceiveLine.parse("\(a) refs/heads/main\n")) {
            XCTAssertEqual("\($0)", "pre-receive input, line 1: expected '<old sha> <new sha> <ref>', got 2 fields: '\(a) refs/heads/main'")
        }
        XCTAssertThrowsError(try PreReceiveLine.parse("\(a) xyz refs/heads/main\n")) {
            XCTAssertEqual("\($0)", "pre-receive input, line 1: new sha 'xyz' is not a 40-digit object id")
        }
        XCTAssertEqual(try PreReceiveLine.parse(""), [])
    }

    /// What a receiving repository gets: the new commits minus everything any of its refs reaches.
    func testPreReceiveScansOnlyWhatNoRefReaches() throws {
        let scratch = try Scratch()
        let repo = try HistoryRepo(scratch)
        let base = try repo.commit("base", ["a.txt": "a\n"])
        try repo.git(["checkout", "-q", "-b", "feature"])
        try repo.commit("feature", ["b.txt": "b\n"])
        try repo.git(["checkout", "-q", "main"])
        // The incoming commit, made on a detached HEAD so no ref reaches it (as in a quarantine).
        try repo.git(["checkout", "-q", "--detach"])
        let incoming = try repo.commit("incoming", ["c.txt": "c\n", "copy-of-b.txt": "b\n"])
        try repo.git(["checkout", "-q", "main"])

        let update = PreReceiveLine(oldID: try XCTUnwrap(ObjectID(hex: base)), newID: try XCTUnwrap(ObjectID(hex: incoming)), ref: "refs/heads/main")
        let source = try repo.history(.preReceive(lines: [update]))
        XCTAssertEqual(source.blobs.map(\.id.hex), [try repo.blobID("c\n")], "b.txt is at the tip of feature: already on the server")
        XCTAssertEqual(source.stats.commits, 1)
        XCTAssertEqual(source.blobs.first?.inHead, true, "at the pushed tip")

        let zero = try XCTUnwrap(ObjectID(hex: zeros))
        let deletion = PreReceiveLine(oldID: try XCTUnwrap(ObjectID(hex: base)), newID: zero, ref: "refs/heads/feature")
        XCTAssertEqual(try repo.history(.preReceive(lines: [deletion])).blobs.count, 0)
        let knownBranch = PreReceiveLine(oldID: zero, newID: try XCTUnwrap(ObjectID(hex: base)), ref: "refs/heads/copy")
        let known = try repo.history(.preReceive(lines: [knownBranch]))
        XCTAssertEqual(known.blobs.count, 0)
        XCTAssertEqual(known.stats.commits, 0)
    }

    func testAlternateObjectDirectoryListsAreSplitAndUnquoted() {
        XCTAssertEqual(ObjectDirectories.parseList(Array("/srv/a.git/objects:/srv/b/objects".utf8)),
                       [PathBytes("/srv/a.git/objects"), PathBytes("/srv/b/objects")])
        XCTAssertEqual(ObjectDirectories.parseList(Array("\"/srv/with:colon/objects\":/x/objects::".utf8)),
                       [PathBytes("/srv/with:colon/objects"), PathBytes("/x/objects")])
        XCTAssertEqual(ObjectDirectories.parseList(Array("\"/q\\\"uote\"".utf8)), [PathBytes("/q\"uote")])
    }

}
