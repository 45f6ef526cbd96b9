import CGit2
import Foundation
import MoatBytes
import MoatFuzzEngine
@testable import MoatGit
import XCTest

/// The seeds of the git-reader fuzzers, every one written by real git at test time: index files
/// (versions 2, 3 and 4, a cache-tree, intent-to-add and skip-worktree entries, an untracked cache,
/// a merge conflict), packs and their indexes (OFS_DELTA and REF_DELTA chains, a version 1 index),
/// loose objects of every type, tree objects, a stash reflog, a shallow file and pre-push lines.
/// Built once per test process; the repository stays for the fuzzers that need one (StagedDiff,
/// libgit2 reads through moat's loose backend).
final class GitFuzzSeeds {
    struct Seed {
        let name: String
        let bytes: [UInt8]
    }

    struct PackSeed {
        let name: String
        let index: [UInt8]
        let pack: [UInt8]
    }

    let scratch: Scratch
    /// Holds the REF_DELTA repository (`evolvingRepository` makes one repository per scratch).
    private let refScratch: Scratch
    /// A work tree whose history is the OFS_DELTA pack (HEAD, a few loose objects and a stash).
    let repo: String
    let indexes: [Seed]
    let packIndexes: [Seed]
    let packs: [PackSeed]
    let looseObjects: [Seed]
    let trees: [Seed]
    let prePushInputs: [Seed]
    let stashReflog: [UInt8]
    let shallow: [UInt8]

    /// Commit, tag and stash dates, so that object ids (and so the mutants of every seed but the
    /// index files, which hold stat data) are the same in every run.
    static let fixedDates = ["GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000"]

    nonisolated(unsafe) private static var cached: GitFuzzSeeds?

    /// The seeds, built on first use (a few seconds of git commands).
    static func shared() throws -> GitFuzzSeeds {
        if let cached { return cached }
        let seeds = try GitFuzzSeeds()
        cached = seeds
        return seeds
    }

    /// Drops the seeds and their scratch directory (from the fuzz classes' `tearDown()`).
    static func release() { cached = nil }

    private init() throws {
        let scratch = try Scratch()
        self.scratch = scratch
        let refScratch = try Scratch()
        self.refScratch = refScratch
        func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
        func git(_ arguments: [String], in dir: String) throws { try scratch.git(arguments, in: dir, environment: Self.fixedDates) }
        func commit(_ files: [String: String], in dir: String, message: String = "commit") throws {
            for (path, content) in files { try scratch.write(String(dir.dropFirst(scratch.root.count + 1)) + "/" + path, content) }
            try git(["add", "."], in: dir)
            try git(["commit", "-qm", message], in: dir)
        }

        // Packs: deep delta chains, by offset and by reference; a version 1 index of the first.
        let repo = try PackObjectDecoderTests.evolvingRepository(scratch, commits: 10)
        let refRepo = try PackObjectDecoderTests.evolvingRepository(refScratch, commits: 6, refDeltas: true)
        var packs: [PackSeed] = []
        for (name, dir) in [("ofs", repo), ("ref", refRepo)] {
            let packDir = dir + "/.git/objects/pack"
            let idx = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: packDir).first { $0.hasSuffix(".idx") })
            let base = packDir + "/" + idx.dropLast(4)
            packs.append(PackSeed(name: name, index: try read(base + ".idx"), pack: try read(base + ".pack")))
        }
        try git(["index-pack", "--index-version=1", "-o", scratch.path("v1.idx"), ".git/objects/pack/" +
            (try FileManager.default.contentsOfDirectory(atPath: repo + "/.git/objects/pack").first { $0.hasSuffix(".pack") } ?? "")], in: repo)
        packs.append(PackSeed(name: "ofs-v1-index", index: try read(scratch.path("v1.idx")), pack: packs[0].pack))
        self.packs = packs
        packIndexes = packs.map { Seed(name: $0.name, bytes: $0.index) }

        // Trees, decoded from the pack as the history sweep reads them.
        let layout = try XCTUnwrap(PackLayout.all(in: [PathBytes(repo + "/.git/objects")]).first)
        let decoder = PackObjectDecoder(pack: layout)
        trees = (0..<layout.count).filter { layout.types[$0] == PackEntryKind.tree.rawValue }.prefix(16)
            .compactMap { k in decoder.object(k).map { Seed(name: "tree \(k)", bytes: $0) } }

        // Index files: v2 with a cache-tree (a commit writes it), v3 (intent-to-add, skip-worktree),
        // v4 (prefix-compressed paths), an untracked cache, and a merge conflict (stages 1-3).
        try git(["reset", "-q", "--hard", "main"], in: repo)
        try commit(["src/module0/file.txt": "changed\n", "added/deep/er/file.md": "new\n"], in: repo, message: "work")
        var indexes = [Seed(name: "v2", bytes: try read(repo + "/.git/index"))]
        try scratch.write("repo/intent.txt", "later\n")
        try git(["add", "-N", "intent.txt"], in: repo)
        try git(["update-index", "--skip-worktree", "top0.txt"], in: repo)
        indexes.append(Seed(name: "v3", bytes: try read(repo + "/.git/index")))
        try git(["-c", "core.untrackedCache=true", "update-index", "--untracked-cache"], in: repo)
        try git(["-c", "core.untrackedCache=true", "status", "--porcelain"], in: repo)
        indexes.append(Seed(name: "untracked-cache", bytes: try read(repo + "/.git/index")))
        try git(["update-index", "--index-version", "4"], in: repo)
        indexes.append(Seed(name: "v4", bytes: try read(repo + "/.git/index")))
        try git(["update-index", "--index-version", "2", "--no-skip-worktree", "top0.txt"], in: repo)
        try git(["rm", "-q", "--cached", "intent.txt"], in: repo)
        let conflict = try scratch.initRepository("conflict")
        try commit(["a.txt": "base\n", "dir/b.txt": "b\n"], in: conflict)
        try git(["checkout", "-q", "-b", "side"], in: conflict)
        try commit(["a.txt": "side\n"], in: conflict)
        try git(["checkout", "-q", "main"], in: conflict)
        try commit(["a.txt": "main\n"], in: conflict)
        _ = try scratch.execute("/usr/bin/env", ["git", "merge", "-q", "side"], in: conflict, environment: Self.fixedDates)  // fails: a conflict
        indexes.append(Seed(name: "conflict", bytes: try read(conflict + "/.git/index")))
        self.indexes = indexes

        // Loose objects of every type, and a stash reflog of two entries.
        try scratch.write("repo/binary.bin", (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
        try commit(["notes.txt": String(repeating: "loose text\n", count: 50)], in: repo, message: "loose")
        try git(["tag", "-a", "v1", "-m", "an annotated tag"], in: repo)
        for n in 0..<2 {
            try scratch.write("repo/notes.txt", "stashed \(n)\n")
            try git(["stash", "-q"], in: repo)
        }
        var loose: [Seed] = []
        let objects = repo + "/.git/objects"
        for dir in try FileManager.default.contentsOfDirectory(atPath: objects).sorted() where dir.count == 2 {
            for file in try FileManager.default.contentsOfDirectory(atPath: objects + "/" + dir).sorted() {
                loose.append(Seed(name: dir + file, bytes: try read(objects + "/" + dir + "/" + file)))
            }
        }
        looseObjects = loose
        stashReflog = try read(repo + "/.git/logs/refs/stash")
        self.repo = repo

        // A shallow clone's `shallow` file (two boundary commits: main and the stash base).
        try git(["clone", "-q", "--depth", "2", "--no-single-branch", "file://" + repo, scratch.path("shallow")], in: scratch.root)
        shallow = try read(scratch.path("shallow/.git/shallow"))

        // Pre-push input as git writes it: an update, a new branch, a deletion, a tag, CRLF lines.
        let head = try scratch.objectID("main", in: repo).hex, older = try scratch.objectID("main~3", in: repo).hex
        let tag = try scratch.objectID("v1", in: repo).hex
        let zero = String(repeating: "0", count: 40)
        prePushInputs = [
            Seed(name: "update", bytes: Array("refs/heads/main \(head) refs/heads/main \(older)\n".utf8)),
            Seed(name: "new", bytes: Array("refs/heads/main \(head) refs/heads/feature \(zero)\n".utf8)),
            Seed(name: "several", bytes: Array(("refs/heads/main \(head) refs/heads/main \(older)\n(delete) \(zero) refs/heads/old \(older)\n"
                + "refs/tags/v1 \(tag) refs/tags/v1 \(zero)\r\n\n").utf8)),
        ]
    }

    /// Seed `i % seeds.count` and its mutant (1-4 `ByteMutator` mutations).
    static func mutant(_ seeds: [Seed], _ i: Int, _ rng: inout FuzzRandom) -> (String, [UInt8]) {
        let s = seeds[i % seeds.count]
        return (s.name, ByteMutator.mutant(of: s.bytes, &rng))
    }
}
