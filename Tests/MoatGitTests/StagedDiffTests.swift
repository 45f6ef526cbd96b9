import CGit2
import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

/// The fast staged diff (index file + cache-tree) against libgit2's `git_diff_tree_to_index` and
/// against `git diff --cached`, on repositories built with the git CLI.
final class StagedDiffTests: XCTestCase {
    private struct Outcome {
        var fast: [StagedChange]?
        var slow: [StagedChange]
        var index: IndexFile?
    }

    /// Computes the staged changes both ways and checks them against git. `fast` says whether the
    /// fast path must answer (true) or decline (false).
    @discardableResult
    private func check(_ scratch: Scratch, _ repo: String, fast expectFast: Bool = true, environment: [String: String] = [:],
                       libgit2MayFail: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        // Everything from the repository's directory, as a hook runs (GIT_INDEX_FILE may be relative).
        let (outcome, fastPath, slowPath, source): (Outcome, PathBytes?, PathBytes?, StagedSource) = try withEnvironment(environment) {
            try withCurrentDirectory(repo) {
                let repository = try GitRepository.open(at: environment.isEmpty ? repo : nil, fromEnvironment: !environment.isEmpty)
                let tree = try repository.headTree()
                defer { git_object_free(tree) }
                let path = StagedDiff.indexPath(of: repository)
                let index = path.flatMap { IndexFile.read(at: $0) }
                let fast = index.flatMap { StagedDiff.fastChanges(repository: repository, headTree: tree, index: $0) }
                if libgit2MayFail, (try? StagedDiff.libgit2Changes(repository: repository, headTree: tree)) == nil {
                    return (Outcome(fast: fast, slow: fast ?? [], index: index), path, path, try StagedSource(repository: repository))
                }
                let slow = try StagedDiff.libgit2Changes(repository: repository, headTree: tree)
                return (Outcome(fast: fast, slow: slow.changes, index: index), path, slow.indexPath, try StagedSource(repository: repository))
            }
        }
        XCTAssertEqual(outcome.fast != nil, expectFast, "fast path answered", file: file, line: line)
        if outcome.fast != nil { XCTAssertEqual(fastPath, slowPath, "the same index file", file: file, line: line) }
        if let fast = outcome.fast {
            XCTAssertEqual(fast.map(\.path), outcome.slow.map(\.path), "paths", file: file, line: line)
            XCTAssertEqual(fast, outcome.slow, "paths, ids, modes and stat data", file: file, line: line)
        }

        // git's own answer: the names, and each one's mode and id in the index.
        let names = try scratch.git(["diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=AMCRT"], in: repo,
                                    environment: environment)
            .split(separator: "\0").map { PathBytes(String($0)) }
        XCTAssertEqual(outcome.slow.map(\.path), names, "libgit2 against git diff --cached", file: file, line: line)
        if let fast = outcome.fast { XCTAssertEqual(fast.map(\.path), names, "fast path against git diff --cached", file: file, line: line) }
        var staged: [PathBytes: (UInt32, String)] = [:]
        for record in try scratch.git(["ls-files", "-s", "-z"], in: repo, environment: environment).split(separator: "\0") {
            let parts = record.split(separator: "\t", maxSplits: 1)
            let fields = parts[0].split(separator: " ")
            staged[PathBytes(String(parts[1]))] = (UInt32(fields[0], radix: 8)!, String(fields[1]))
        }
        for change in outcome.fast ?? outcome.slow {
            XCTAssertEqual(staged[change.path]?.0, change.mode.rawValue, "mode of \(change.path)", file: file, line: line)
            XCTAssertEqual(staged[change.path]?.1, change.id.hex, "id of \(change.path)", file: file, line: line)
        }

        // StagedSource itself (fast path or not) lists the same regular and executable files.
        XCTAssertEqual(source.blobs.map(\.path), outcome.slow.filter { $0.mode == .regular || $0.mode == .executable }.map(\.path),
                       file: file, line: line)
        XCTAssertEqual(source.skippedSymlinks, outcome.slow.filter { $0.mode == .symlink }.count, file: file, line: line)
        XCTAssertEqual(source.skippedSubmodules, outcome.slow.filter { $0.mode == .gitlink }.count, file: file, line: line)
        return outcome
    }

    /// Stages `content` at `path` without a work-tree file.
    private func stage(_ scratch: Scratch, _ repo: String, _ content: String, at path: String) throws {
        let id = try scratch.run("/usr/bin/env", ["git", "hash-object", "-w", "--stdin"], in: repo, stdin: content)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try scratch.git(["update-index", "--add", "--cacheinfo", "100644,\(id),\(path)"], in: repo)
    }

    private func commit(_ scratch: Scratch, _ repo: String, _ message: String = "c") throws {
        try scratch.git(["commit", "-qm", message, "--no-verify"], in: repo)
    }

    /// A tree several levels deep: d0..d2 / e0..e2 / f0..f1 / file0..file2.
    /// A new repository holding the deep tree in one commit.
    private func committedDeepTree(_ message: String = "c") throws -> (Scratch, String) {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try writeDeepTree(scratch, repo)
        try scratch.git(["add", "."], in: repo)
        try commit(scratch, repo, message)
        return (scratch, repo)
    }

    private func writeDeepTree(_ scratch: Scratch, _ repo: String) throws {
        for a in 0..<3 {
            for b in 0..<3 {
                for c in 0..<2 {
                    for n in 0..<3 { try scratch.write("repo/d\(a)/e\(b)/f\(c)/file\(n).txt", "content \(a) \(b) \(c) \(n)\n") }
                }
                try scratch.write("repo/d\(a)/e\(b).txt", "beside \(a) \(b)\n")
            }
        }
        try scratch.write("repo/top.txt", "top\n")
        try scratch.write("repo/d0-sibling.txt", "sorts between d0 and d0/\n")
        try scratch.write("repo/d0.txt", "sorts after d0/\n")
    }

    // MARK: repositories without commits

    func testRepositoryWithoutCommitsOrIndex() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try check(scratch, repo, fast: false)  // no index file yet: libgit2 answers (nothing)

        try writeDeepTree(scratch, repo)
        try scratch.git(["add", "."], in: repo)
        let outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast?.count, 3 * 3 * (2 * 3 + 1) + 3)

        try scratch.write("repo/later.txt", "not yet")
        try scratch.git(["add", "-N", "later.txt"], in: repo)
        try check(scratch, repo)
    }

    // MARK: the usual edits

    func testEditsAfterCommitsWithDeepTrees() throws {
        let (scratch, repo) = try committedDeepTree()
        var outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast, [])
        XCTAssertEqual(outcome.index?.cacheTree.first?.isValid, true, "git commit writes a full cache-tree")

        // A modification deep down invalidates the cache-tree along its path only.
        try scratch.write("repo/d1/e2/f1/file0.txt", "changed\n")
        try scratch.git(["add", "d1/e2/f1/file0.txt"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d1/e2/f1/file0.txt"])
        XCTAssertEqual(outcome.index?.cacheTree.first?.isValid, false)

        // New file in a new directory, a rename, a deletion, an unstaged deletion.
        try scratch.write("repo/new/dir/config.json", "{}\n")
        try scratch.git(["add", "new"], in: repo)
        try scratch.git(["mv", "d2/e0/f0/file1.txt", "d2/e0/moved.txt"], in: repo)
        try scratch.git(["rm", "-q", "d0/e1/f1/file2.txt"], in: repo)
        try scratch.git(["rm", "-q", "--cached", "top.txt"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d1/e2/f1/file0.txt", "d2/e0/moved.txt", "new/dir/config.json"])

        // Mode change (chmod +x), in the work tree and with update-index.
        XCTAssertEqual(chmod(repo + "/d0/e0.txt", 0o755), 0)
        try scratch.git(["add", "d0/e0.txt"], in: repo)
        try scratch.git(["update-index", "--chmod=+x", "d0.txt"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast?.first { $0.path.description == "d0.txt" }?.mode, .executable)

        // File -> symlink and symlink -> file, a new symlink, a submodule gitlink.
        try FileManager.default.removeItem(atPath: repo + "/d2/e2.txt")
        XCTAssertEqual(symlink("e1.txt", repo + "/d2/e2.txt"), 0)
        XCTAssertEqual(symlink("../top.txt", repo + "/d1/link"), 0)
        try scratch.git(["add", "d2/e2.txt", "d1/link"], in: repo)
        try scratch.git(["update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,d1/e0/vendor"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast?.filter { $0.mode == .symlink }.count, 2)
        XCTAssertEqual(outcome.fast?.filter { $0.mode == .gitlink }.count, 1)
        try commit(scratch, repo)
        try check(scratch, repo)
        try FileManager.default.removeItem(atPath: repo + "/d2/e2.txt")
        try scratch.write("repo/d2/e2.txt", "a file again\n")
        try scratch.git(["add", "d2/e2.txt"], in: repo)
        // A submodule moving to another commit.
        try scratch.git(["update-index", "--cacheinfo", "160000,2222222222222222222222222222222222222222,d1/e0/vendor"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d1/e0/vendor", "d2/e2.txt"])

        // A directory replaced by a file, and a file by a directory.
        try scratch.git(["rm", "-rq", "d0/e2"], in: repo)
        try scratch.write("repo/d0/e2", "now a file\n")
        try scratch.git(["rm", "-q", "d1/e1.txt"], in: repo)
        try scratch.write("repo/d1/e1.txt/inside.txt", "now a directory\n")
        try scratch.git(["add", "d0/e2", "d1/e1.txt"], in: repo)
        try check(scratch, repo)
    }

    /// After `git reset --soft`, the cache-tree is valid for the index but HEAD is older: only
    /// directories whose tree ids match may be skipped.
    func testValidCacheTreeOverAnOlderHead() throws {
        let (scratch, repo) = try committedDeepTree("one")
        try scratch.write("repo/d2/e1/f0/file2.txt", "two\n")
        try scratch.write("repo/d0/e0/f1/added.txt", "two\n")
        try scratch.git(["add", "."], in: repo)
        try commit(scratch, repo, "two")
        try scratch.git(["reset", "-q", "--soft", "HEAD~1"], in: repo)
        let outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.index?.cacheTree.first?.isValid, true)
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d0/e0/f1/added.txt", "d2/e1/f0/file2.txt"])

        // And the other way: HEAD ahead of the index.
        try scratch.git(["commit", "-qm", "again"], in: repo)
        try scratch.git(["read-tree", "HEAD~1"], in: repo)
        try check(scratch, repo)
    }

    func testIntentToAddIsLeftOut() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.write("repo/d1/e1/f1/later.txt", "not yet")
        try scratch.write("repo/d1/e1/f1/now.txt", "now")
        try scratch.git(["add", "-N", "d1/e1/f1/later.txt"], in: repo)
        try scratch.git(["add", "d1/e1/f1/now.txt"], in: repo)
        // A tracked path replaced by an intent to add: git shows a deletion.
        try scratch.git(["rm", "-q", "--cached", "d2/e2/f0/file0.txt"], in: repo)
        try scratch.git(["add", "-N", "d2/e2/f0/file0.txt"], in: repo)
        let outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.index?.version, 3, "intent-to-add needs extended flags")
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d1/e1/f1/now.txt"])
    }

    // MARK: index versions and extensions

    func testIndexVersions() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try writeDeepTree(scratch, repo)
        // A path of 4095 bytes: its length no longer fits the 12-bit field (0xFFF means "look for the NUL").
        let longDirectory = Self.longPath(4095 - "/a.txt".count)
        try scratch.git(["add", "."], in: repo)
        try stage(scratch, repo, "long\n", at: longDirectory + "/a.txt")
        try commit(scratch, repo)
        try scratch.write("repo/d0/e1/f0/file2.txt", "v2\n")
        try scratch.write("repo/d2/e2/new.txt", "v2\n")
        try scratch.git(["add", "d0", "d2"], in: repo)
        try stage(scratch, repo, "longer\n", at: longDirectory + "/a.txt")
        try stage(scratch, repo, "another\n", at: String(longDirectory.dropLast(2)) + "/m")  // 4094 bytes
        var outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.index?.version, 2)
        XCTAssertEqual(outcome.fast?.count, 4)

        try scratch.git(["update-index", "--skip-worktree", "d2/e0/f1/file1.txt", "d0/e1/f0/file2.txt"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.index?.version, 3)
        XCTAssertEqual(outcome.index?.entries.filter(\.skipWorktree).count, 2)

        try scratch.git(["update-index", "--index-version", "4"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.index?.version, 4)
        XCTAssertEqual(outcome.fast?.count, 4)
    }

    /// "d1/nnn.../nnn" of exactly `length` bytes, in components of at most 250 bytes.
    private static func longPath(_ length: Int) -> String {
        var path = "d1"
        while path.count < length {
            path += "/" + String(repeating: "n", count: min(250, length - path.count - 1))
        }
        return path
    }

    /// libgit2 1.5 cannot read a version 2 index with a path of 4096 bytes or more; git and the fast path can.
    func testPathsLongerThanLibgit2Reads() throws {
        let (scratch, repo) = try committedDeepTree()
        for version in ["2", "4"] {
            try scratch.git(["update-index", "--index-version", version], in: repo)
            try stage(scratch, repo, "very long \(version)\n", at: Self.longPath(5000) + "/v\(version).txt")
            let outcome = try check(scratch, repo, libgit2MayFail: true)
            XCTAssertEqual(outcome.fast?.count, version == "2" ? 1 : 2)
        }
    }

    func testIndexVersionFourWithIntentToAdd() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.git(["update-index", "--index-version", "4"], in: repo)
        try scratch.write("repo/d1/e0/f0/file1.txt", "v4 edit\n")
        try scratch.write("repo/d1/e0/intent.txt", "later\n")
        try scratch.git(["add", "d1/e0/f0/file1.txt"], in: repo)
        try scratch.git(["add", "-N", "d1/e0/intent.txt"], in: repo)
        let outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.index?.version, 4)
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d1/e0/f0/file1.txt"])
    }

    func testIndexWithoutCacheTree() throws {
        let (scratch, repo) = try committedDeepTree()
        // An index rebuilt entry by entry has no TREE extension.
        try FileManager.default.removeItem(atPath: repo + "/.git/index")
        let listing = try scratch.git(["ls-tree", "-r", "HEAD"], in: repo)
        try scratch.run("/usr/bin/env", ["git", "update-index", "--index-info"], in: repo, stdin: listing)
        var outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.index?.cacheTree.count, 0, "no cache-tree")
        XCTAssertEqual(outcome.fast, [])

        try scratch.write("repo/d2/e1/f1/file1.txt", "edit\n")
        try scratch.write("repo/zz/new.txt", "new\n")
        try scratch.git(["update-index", "--add", "d2/e1/f1/file1.txt", "zz/new.txt"], in: repo)
        outcome = try check(scratch, repo)
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d2/e1/f1/file1.txt", "zz/new.txt"])
    }

    func testSplitIndexFallsBack() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.git(["update-index", "--split-index"], in: repo)
        try scratch.write("repo/d0/e0/f0/file0.txt", "split\n")
        try scratch.git(["add", "."], in: repo)
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertNil(StagedDiff.indexPath(of: repository).flatMap { IndexFile.read(at: $0) }, "a split index is declined")
        // libgit2 1.5 cannot read a split index either; StagedSource reports its error.
        if (try? StagedDiff.libgit2Changes(repository: repository, headTree: nil)) != nil {
            try check(scratch, repo, fast: false)
        } else {
            XCTAssertThrowsError(try StagedSource(repository: repository))
        }
    }

    func testSparseIndexFallsBack() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.git(["sparse-checkout", "init", "--cone", "--sparse-index"], in: repo)
        try scratch.git(["sparse-checkout", "set", "d0"], in: repo)
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: repo + "/.git/index"))
        XCTAssertTrue(data.range(of: Data("sdir".utf8)) != nil, "git wrote a sparse index")
        XCTAssertNil(StagedDiff.indexPath(of: repository).flatMap { IndexFile.read(at: $0) }, "a sparse index is declined")
    }

    func testConflictsFallBack() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/dir/both.txt", "base\n")
        try scratch.write("repo/other.txt", "base\n")
        try scratch.git(["add", "."], in: repo)
        try commit(scratch, repo)
        try scratch.git(["checkout", "-qb", "side"], in: repo)
        try scratch.write("repo/dir/both.txt", "side\n")
        try scratch.git(["commit", "-qam", "side"], in: repo)
        try scratch.git(["checkout", "-q", "main"], in: repo)
        try scratch.write("repo/dir/both.txt", "main\n")
        try scratch.write("repo/other.txt", "main\n")
        try scratch.git(["commit", "-qam", "main"], in: repo)
        XCTAssertNotEqual(try scratch.execute("/usr/bin/env", ["git", "merge", "-q", "side"], in: repo).status, 0)
        try scratch.write("repo/added.txt", "resolved elsewhere\n")
        try scratch.git(["add", "added.txt"], in: repo)
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let index = try XCTUnwrap(StagedDiff.indexPath(of: repository).flatMap { IndexFile.read(at: $0) })
        XCTAssertTrue(index.hasConflicts)
        XCTAssertNil(StagedDiff.fastChanges(repository: repository, headTree: nil, index: index))
        XCTAssertEqual(try StagedSource(repository: repository).blobs.map(\.path.description), ["added.txt"])
        try check(scratch, repo, fast: false)
    }

    func testTemporaryIndexFromTheEnvironment() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.write("repo/d1/e1/f0/file1.txt", "changed")
        let temporary = scratch.path("next-index")
        try FileManager.default.copyItem(atPath: repo + "/.git/index", toPath: temporary)
        try scratch.git(["add", "d1/e1/f0/file1.txt"], in: repo, environment: ["GIT_INDEX_FILE": temporary])
        XCTAssertEqual(try check(scratch, repo).fast, [], "the real index has nothing staged")
        let environment = ["GIT_INDEX_FILE": temporary, "GIT_DIR": repo + "/.git"]
        let outcome = try check(scratch, repo, environment: environment)
        XCTAssertEqual(outcome.fast?.map(\.path.description), ["d1/e1/f0/file1.txt"])
        // As git runs a hook for a plain `git commit`: a relative GIT_INDEX_FILE.
        try check(scratch, repo, environment: ["GIT_INDEX_FILE": ".git/index"])
    }

    func testLinkedWorktree() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.git(["worktree", "add", "-q", "-b", "feature", scratch.path("wt")], in: repo)
        try scratch.write("wt/d0/e0/f0/in-worktree.txt", "w")
        try scratch.git(["add", "."], in: scratch.path("wt"))
        XCTAssertEqual(try check(scratch, scratch.path("wt")).fast?.map(\.path.description), ["d0/e0/f0/in-worktree.txt"])
        XCTAssertEqual(try check(scratch, repo).fast, [])
    }

    // MARK: damaged index files

    func testTruncatedOrCorruptIndexFallsBack() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.write("repo/d0/e0/f0/file0.txt", "edit\n")
        try scratch.git(["add", "."], in: repo)
        let path = repo + "/.git/index"
        let good = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertNotNil(IndexFile(data: Array(good)))

        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        var damaged: [[UInt8]] = [Array(good.prefix(good.count - 100)), Array(good.prefix(1000)), Array(good.prefix(10)), []]
        var header = Array(good)
        header[7] = 9  // version 9
        damaged.append(header)
        var name = Array(good)
        name[12 + 62 + 3] = 0  // a NUL inside the first path: its stated length no longer matches
        damaged.append(name)
        var extensionLength = Array(good)
        let tree = try XCTUnwrap(good.range(of: Data("TREE".utf8))).lowerBound
        extensionLength[tree + 4] = 0x7F  // a TREE extension longer than the file
        damaged.append(extensionLength)
        for bytes in damaged {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertNil(IndexFile.read(at: PathBytes(path)))
            // libgit2 verifies the checksum, so it rejects these too: StagedSource reports an error.
            XCTAssertThrowsError(try StagedSource(repository: repository))
        }
    }

    func testTruncationsAndMutationsNeverCrash() throws {
        let (scratch, repo) = try committedDeepTree()
        try scratch.write("repo/d0/e0/f0/file0.txt", "edit\n")
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["update-index", "--skip-worktree", "d2/e0/f1/file1.txt"], in: repo)
        for version in ["3", "4"] {
            try scratch.git(["update-index", "--index-version", version], in: repo)
            let good = Array(try XCTUnwrap(FileManager.default.contents(atPath: repo + "/.git/index")))
            let full = try XCTUnwrap(IndexFile(data: good))
            for length in 0..<good.count {
                // Without the checksum, a cut that lands 20 bytes past an extension boundary still
                // parses, but then every entry is intact.
                if let parsed = IndexFile(data: Array(good.prefix(length))) {
                    XCTAssertEqual(parsed.entries.count, full.entries.count)
                    XCTAssertGreaterThan(length, full.entries.last.map { $0.oidOffset + 22 + IndexFile.oidSize } ?? 0)
                }
            }
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<3000 {
                var bytes = good
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                if let parsed = IndexFile(data: bytes) {
                    // Whatever parses is internally consistent.
                    for entry in parsed.entries {
                        XCTAssertLessThanOrEqual(entry.nameStart + entry.nameCount, parsed.names.count)
                        XCTAssertLessThanOrEqual(entry.oidOffset + IndexFile.oidSize, parsed.data.count)
                    }
                }
            }
        }
    }
}
