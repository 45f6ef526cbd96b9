import CGit2
import Foundation
import MoatBytes
import MoatFuzzEngine
@testable import MoatGit
import XCTest

/// Deterministic mutation fuzzers of moat's own git readers (docs/fuzzing.md), seeded with files real
/// git wrote (`GitFuzzSeeds`): the index file and the staged diff that trusts its positions, pack
/// indexes, packs (entry table, delta chains, pack-order decoder, tree store, the big-blob prefix
/// reader; and libgit2's pack reader behind moat's fence), loose objects (moat's backend directly
/// and through libgit2), tree objects, the stash reflog and shallow file, and pre-push input.
///
/// A trap kills the run; an input slower than `FuzzRun.maxSeconds` fails it; so does a parse that
/// hands its consumers a position outside the bytes, or an error message that is not one short line
/// free of control characters. `make test` runs a short pass of each; `make fuzz` a long one, e.g.
///
///     MOAT_FUZZ_ITERATIONS=50000 swift test --skip-build --disable-swift-testing --filter GitReaderFuzzTests.testPackMutants
///
/// with the knobs of `FuzzRun` (`MOAT_FUZZ_SEED`, `MOAT_FUZZ_FROM`, `MOAT_FUZZ_SAVE`, `MOAT_FUZZ_TRACE`).
final class GitReaderFuzzTests: XCTestCase {
    override class func tearDown() {
        GitFuzzSeeds.release()
        super.tearDown()
    }

    private func slow(_ i: Int, _ name: String, _ took: Double) { XCTFail("iteration \(i) (\(name)) is slow: \(took) s") }

    // MARK: index file

    func testIndexFileMutants() throws {
        let seeds = try GitFuzzSeeds.shared()
        let repository = try GitRepository.open(at: seeds.repo, fromEnvironment: false)
        let head = try repository.headTree()
        defer { git_tree_free(head) }
        var parsed = 0
        let run = FuzzRun(name: "fuzz-index", defaultIterations: 1500)
        run.run(mutant: { GitFuzzSeeds.mutant(seeds.indexes, $0, &$1) }, slow: slow) { i, name, b in
            guard let index = IndexFile(data: b) else { return }
            parsed += 1
            if let problem = Self.problem(in: index) { return XCTFail("iteration \(i) (\(name)): \(problem)") }
            _ = StagedDiff.fastChanges(repository: repository, headTree: head, index: index)
        }
        print("fuzz-index: \(parsed) mutants parsed")
        if run.iterations >= 100 { XCTAssertGreaterThan(parsed, 0, "no mutant parsed: the seeds are not index files") }
    }

    /// What the staged diff trusts without checking: every position lies inside the bytes.
    static func problem(in index: IndexFile) -> String? {
        let dataCount = index.data.count, nameCount = index.names.count
        for (k, e) in index.entries.enumerated() {
            guard e.nameCount > 0, e.nameStart + e.nameCount <= nameCount else { return "entry \(k): name outside the bytes" }
            guard e.oidOffset >= 12, e.oidOffset + IndexFile.oidSize <= dataCount - IndexFile.oidSize else { return "entry \(k): id outside the entries" }
            guard (0...3).contains(e.stage) else { return "entry \(k): stage \(e.stage)" }
            _ = index.path(of: e)
        }
        for (k, n) in index.cacheTree.enumerated() {
            guard n.nameStart >= 0, n.nameCount >= 0, n.nameStart + n.nameCount <= dataCount else { return "cache-tree node \(k): name outside" }
            guard n.oidOffset == -1 || (n.oidOffset >= 0 && n.oidOffset + IndexFile.oidSize <= dataCount) else { return "cache-tree node \(k): id outside" }
            guard n.children.lowerBound >= 0, n.children.upperBound <= index.childOrder.count else { return "cache-tree node \(k): children outside" }
        }
        guard index.childOrder.allSatisfy({ $0 > 0 && $0 < index.cacheTree.count }) else { return "cache-tree child out of range" }
        return nil
    }

    // MARK: pack index

    func testPackIndexMutants() throws {
        let seeds = try GitFuzzSeeds.shared()
        let run = FuzzRun(name: "fuzz-pack-index", defaultIterations: 1000)
        run.run(mutant: { GitFuzzSeeds.mutant(seeds.packIndexes, $0, &$1) }, slow: slow) { i, name, b in
            guard let index = PackIndex(bytes: b) else { return }
            if let problem = Self.problem(in: index, size: b.count) { XCTFail("iteration \(i) (\(name)): \(problem)") }
        }
    }

    /// Lookups agree with the table they read, and the fast offset check with the slow one.
    static func problem(in index: PackIndex, size: Int) -> String? {
        guard index.count <= size / 24 else { return "\(index.count) objects in \(size) bytes" }
        var everyOffset = true
        for k in 0..<index.count {
            guard let id = index.id(at: k) else { return "no id at \(k)" }
            let offset = index.offset(at: k)
            if let offset, offset < 0 { return "negative offset at \(k)" }
            if offset == nil || offset! < 12 || offset! >= 1 << 40 { everyOffset = false }
            if k < 256, let p = index.position(of: id.withUnsafeBytes { ObjectID($0) }), index.id(at: p) != id {
                return "position of entry \(k)'s id names another id"
            }
        }
        guard index.offsetsAll(from: 12, below: 1 << 40) == everyOffset else { return "offsetsAll disagrees with offset(at:)" }
        guard index.id(at: -1) == nil, index.id(at: index.count) == nil, index.offset(at: index.count) == nil else { return "reads past the table" }
        return nil
    }

    // MARK: packs

    /// A pack mutant travels as one byte string (for `MOAT_FUZZ_SAVE`): the index's length (8 bytes,
    /// little-endian), the index, then the pack.
    static func joined(index: [UInt8], pack: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt64(index.count).littleEndian, Array.init) + index + pack
    }

    static func split(_ b: [UInt8]) -> (index: [UInt8], pack: [UInt8]) {
        let n = b.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        return (Array(b[8..<(8 + n)]), Array(b[(8 + n)...]))
    }

    /// Mutates the pack, or its index, or both. Most pack mutations keep the trailing checksum the
    /// index records, so that the pack is opened and its entries are read.
    static func packMutant(_ seeds: GitFuzzSeeds, _ i: Int, _ rng: inout FuzzRandom) -> (String, [UInt8]) {
        let s = seeds.packs[i % seeds.packs.count]
        var index = s.index, pack = s.pack
        let what = rng.below(20)
        if what < 15 {
            if rng.chance(85) {
                pack = ByteMutator.mutant(of: Array(pack.dropLast(20)), &rng) + pack.suffix(20)
            } else {
                pack = ByteMutator.mutant(of: pack, &rng)
            }
        }
        if what >= 12 { index = ByteMutator.mutant(of: index, &rng) }
        return (s.name, joined(index: index, pack: pack))
    }

    func testPackMutants() throws {
        let seeds = try GitFuzzSeeds.shared()
        let dir = seeds.scratch.path("pack-fuzz")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var opened = 0
        let run = FuzzRun(name: "fuzz-pack", defaultIterations: 100)
        run.run(mutant: { Self.packMutant(seeds, $0, &$1) }, slow: slow) { i, name, b in
            let (indexBytes, packBytes) = Self.split(b)
            // A new pair of files each time: a mapping of a file rewritten under it would fault.
            let idxPath = dir + "/m\(i).idx", packPath = dir + "/m\(i).pack"
            defer {
                unlink(idxPath)
                unlink(packPath)
            }
            guard FileManager.default.createFile(atPath: idxPath, contents: Data(indexBytes)),
                  FileManager.default.createFile(atPath: packPath, contents: Data(packBytes)) else { return XCTFail("cannot write \(dir)") }
            guard let index = PackIndex(path: PathBytes(idxPath)), let file = PackFile(path: PathBytes(packPath), index: index) else { return }
            opened += 1
            if let problem = Self.readEverything(file, storeTrees: i % 4 == 0) { XCTFail("iteration \(i) (\(name)): \(problem)") }
        }
        print("fuzz-pack: \(opened) mutants opened")
        if run.iterations >= 100 { XCTAssertGreaterThan(opened, 0, "no mutant opened: the seeds are not packs") }
    }

    /// The same mutants as `testPackMutants`, in a repository's pack directory, read object by object
    /// through libgit2 with moat's backends installed (what a sweep falls back to for any entry moat's
    /// decoder declines): an index offset outside the pack must be fenced off (`DamagedPackGuard`),
    /// anything else must be read or refused, without a trap or a hang.
    func testPackMutantsReadThroughLibgit2() throws {
        let seeds = try GitFuzzSeeds.shared()
        let repo = try seeds.scratch.initRepository("pack-odb-fuzz")
        let packDir = repo + "/.git/objects/pack"
        let ids = seeds.packs.map { s in PackIndex(bytes: s.index).map { index in (0..<index.count).compactMap { index.id(at: $0) } } ?? [] }
        let run = FuzzRun(name: "fuzz-pack-libgit2", defaultIterations: 60)
        run.run(mutant: { Self.packMutant(seeds, $0, &$1) }, slow: slow) { i, _, b in
            let (indexBytes, packBytes) = Self.split(b)
            let base = packDir + "/pack-m\(i)"
            defer {
                unlink(base + ".idx")
                unlink(base + ".pack")
            }
            guard FileManager.default.createFile(atPath: base + ".idx", contents: Data(indexBytes)),
                  FileManager.default.createFile(atPath: base + ".pack", contents: Data(packBytes)) else { return XCTFail("cannot write \(packDir)") }
            guard let repository = try? GitRepository.open(at: repo, fromEnvironment: false), let odb = try? repository.odb() else { return }
            for raw in ids[i % seeds.packs.count] {
                var oid = raw.withUnsafeBytes { ObjectID($0) }.oid
                var length = 0
                var type = GIT_OBJECT_INVALID
                _ = git_odb_read_header(&length, &type, odb, &oid)
                var object: OpaquePointer?
                if git_odb_read(&object, odb, &oid) == 0 { git_odb_object_free(object) }
            }
        }
    }

    func testASelfBasedRefDeltaIsRefusedNotAHang() throws {
        // Mutant 16,138 (seed 9) of the pass above: a REF_DELTA entry whose base is itself.
        // libgit2 1.5 never returns from reading it; moat's fence refuses it first.
        let seeds = try GitFuzzSeeds.shared()
        var rng = FuzzRandom(seed: 9, iteration: 16_138)
        let (_, bytes) = Self.packMutant(seeds, 16_138, &rng)
        let (indexBytes, packBytes) = Self.split(bytes)
        let repo = try seeds.scratch.initRepository("pack-ref-delta-loop")
        let base = repo + "/.git/objects/pack/pack-loop"
        XCTAssertTrue(FileManager.default.createFile(atPath: base + ".idx", contents: Data(indexBytes)))
        XCTAssertTrue(FileManager.default.createFile(atPath: base + ".pack", contents: Data(packBytes)))
        let ids = PackIndex(bytes: indexBytes).map { index in (0..<index.count).compactMap { index.id(at: $0) } } ?? []
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let store = try XCTUnwrap(repository.packStore())
        let looping = ids.filter { raw in store.deltaChainLoops(raw.withUnsafeBytes { ObjectID($0) }) }
        XCTAssertFalse(looping.isEmpty, "the mutant holds a looping delta")
        let odb = try repository.odb()
        let done = DispatchSemaphore(value: 0)
        final class Box: @unchecked Sendable {
            var refused = 0
            let odb: OpaquePointer
            init(_ odb: OpaquePointer) { self.odb = odb }
        }
        let box = Box(odb)
        let reader = Thread {
            for raw in looping {
                var oid = raw.withUnsafeBytes { ObjectID($0) }.oid
                var length = 0
                var type = GIT_OBJECT_INVALID
                if git_odb_read_header(&length, &type, box.odb, &oid) != 0 { box.refused += 1 }
            }
            done.signal()
        }
        reader.start()
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success, "a read of a looping delta hung")
        XCTAssertEqual(box.refused, looping.count)
    }

    /// Reads every entry of `file` the ways a history sweep and a staged scan do.
    static func readEverything(_ file: PackFile, storeTrees: Bool) -> String? {
        let layout = PackLayout(file: file)
        for k in 0..<layout.count {
            guard layout.offsets[k] >= 12, layout.offsets[k] < layout.ends[k], layout.ends[k] <= file.entriesEnd,
                  k == 0 || layout.offsets[k - 1] < layout.offsets[k] else { return "entry \(k): bad span" }
            guard layout.deltaBases[k] >= -1, Int(layout.deltaBases[k]) < layout.count, Int(layout.deltaBases[k]) != k,
                  layout.types[k] <= 4 else { return "entry \(k): bad base or type" }
        }
        let decoder = PackObjectDecoder(pack: layout, maxObjectSize: 16 << 20, cacheLimit: 1 << 20)
        for k in 0..<layout.count {
            let size = decoder.objectSize(k)
            guard let object = decoder.object(k) else { continue }
            if let size, size != object.count { return "entry \(k): objectSize \(size), decoded \(object.count) bytes" }
            if layout.types[k] == PackEntryKind.tree.rawValue, let problem = walk(tree: object) { return "entry \(k): \(problem)" }
        }
        for p in 0..<file.index.count {
            guard let id = file.index.id(at: p), let entry = file.entry(of: id.withUnsafeBytes({ ObjectID($0) })), entry.kind == .blob,
                  let source = PackedBlobSource(file: file, entry: entry, cap: 1 << 20) else { continue }
            var at = 0
            while at < min(source.size, 1 << 20), let chunk = source.read(at: at, count: 50_000), !chunk.isEmpty { at += chunk.count }
        }
        if storeTrees {
            let store = TreeStore.load(packs: [layout], workers: 1, budget: 8 << 20)
            guard store.bytes <= 8 << 20 + (1 << 20) else { return "tree store over its budget: \(store.bytes)" }
        }
        return nil
    }

    // MARK: loose objects

    func testLooseObjectMutants() throws {
        let seeds = try GitFuzzSeeds.shared()
        let repo = try seeds.scratch.initRepository("loose-fuzz")
        let objects = repo + "/.git/objects"
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let odb = try repository.odb()
        let run = FuzzRun(name: "fuzz-loose", defaultIterations: 300)
        run.run(mutant: { GitFuzzSeeds.mutant(seeds.looseObjects, $0, &$1) }, slow: slow) { i, name, b in
            // A fresh id each time, so libgit2's object cache never answers for the backend.
            let id = Self.fuzzID(i)
            let hex = id.hex
            let dir = objects + "/" + hex.prefix(2), path = dir + "/" + hex.dropFirst(2)
            mkdir(dir, 0o755)
            defer { unlink(path) }
            guard FileManager.default.createFile(atPath: path, contents: Data(b)) else { return XCTFail("cannot write \(path)") }
            var oid = id.oid
            for headerOnly in [true, false] {
                let outcome = objects.withCString { LooseObjectBackend.open($0, &oid, headerOnly: headerOnly) }
                switch outcome {
                case let .object(_, header, size, file):
                    guard header > 0, header <= 64, size >= 0, size <= LooseObjectBackend.maxObjectSize else {
                        return XCTFail("iteration \(i) (\(name)): header \(header), size \(size)")
                    }
                    if !headerOnly {
                        let buffer = UnsafeMutableRawPointer.allocate(byteCount: header + size, alignment: 16)
                        defer { buffer.deallocate() }
                        _ = LooseObjectBackend.inflateWhole(file, into: buffer, count: header + size)
                    }
                case .corrupt(let why):
                    if let problem = Self.errorProblem(why, limit: 120 + path.utf8.count) { XCTFail("iteration \(i) (\(name)): \(problem)") }
                case .absent, .notHere:
                    break
                }
            }
            if let stream = LooseObjectBackend.stream(id, in: [PathBytes(objects)], cap: 1 << 20) {
                var at = 0
                while at < min(stream.size, 1 << 20), let chunk = stream.read(at: at, count: 50_000), !chunk.isEmpty { at += chunk.count }
            }
            // The way every libgit2 read reaches it (and libgit2's own loose reader, for files moat passes on).
            if i % 2 == 0 {
                var object: OpaquePointer?
                if git_odb_read(&object, odb, &oid) == 0 { git_odb_object_free(object) }
                var length = 0
                var type = GIT_OBJECT_INVALID
                _ = git_odb_read_header(&length, &type, odb, &oid)
            }
        }
    }

    /// An id no real object has, different for every iteration.
    static func fuzzID(_ i: Int) -> ObjectID {
        var raw = [UInt8](repeating: 0xA5, count: 20)
        for k in 0..<8 { raw[4 + k] = UInt8(truncatingIfNeeded: i >> (8 * k)) }
        return raw.withUnsafeBytes { ObjectID($0) }
    }

    // MARK: trees

    func testTreeMutants() throws {
        let seeds = try GitFuzzSeeds.shared()
        XCTAssertFalse(seeds.trees.isEmpty)
        let run = FuzzRun(name: "fuzz-tree", defaultIterations: 2000)
        run.run(mutant: { GitFuzzSeeds.mutant(seeds.trees, $0, &$1) }, slow: slow) { i, name, b in
            if let problem = Self.walk(tree: b) { XCTFail("iteration \(i) (\(name)): \(problem)") }
        }
    }

    /// Parses every entry of tree content `bytes` as the history walk does; a name or id outside
    /// the bytes is a problem.
    static func walk(tree bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            var tree = RawTree(bytes: raw, id: git_oid())
            guard let base = raw.baseAddress else { return tree.next() == nil ? nil : "an entry in no bytes" }
            while let entry = tree.next() {
                let name = UnsafeRawPointer(entry.name) - base, id = entry.id - base
                guard entry.nameLength > 0, name >= 0, name + entry.nameLength < id, id + 20 <= raw.count else { return "entry outside the tree" }
            }
            return nil
        }
    }

    // MARK: stash reflog, shallow file, pre-push input

    func testRefFileMutants() throws {
        let seeds = try GitFuzzSeeds.shared()
        let common = seeds.scratch.path("ref-fuzz")
        try FileManager.default.createDirectory(atPath: common + "/logs/refs", withIntermediateDirectories: true)
        let files = [GitFuzzSeeds.Seed(name: "logs/refs/stash", bytes: seeds.stashReflog), GitFuzzSeeds.Seed(name: "shallow", bytes: seeds.shallow)]
        var ids = 0
        let run = FuzzRun(name: "fuzz-ref-files", defaultIterations: 200)
        run.run(mutant: { i, rng in
            let s = files[i % files.count]
            return (s.name, TextMutator.mutant(of: s.bytes, &rng))
        }, slow: slow) { i, name, b in
            guard FileManager.default.createFile(atPath: common + "/logs/refs/stash", contents: Data(b)) else { return XCTFail("cannot write") }
            let stash = HistoryWalk.stashReflog(commonDir: PathBytes(common))
            if stash.contains(where: { ObjectID($0).isZero }) { XCTFail("iteration \(i) (\(name)): a zero id from the stash reflog") }
            ids += stash.count + HistoryWalk.shallowCommits(b).count
        }
        if run.iterations >= 100 { XCTAssertGreaterThan(ids, 0, "no mutant kept an id: the seeds hold none") }
    }

    func testPrePushInputMutants() throws {
        let seeds = try GitFuzzSeeds.shared()
        var lines = 0
        let run = FuzzRun(name: "fuzz-pre-push", defaultIterations: 200)
        run.run(mutant: { i, rng in
            let s = seeds.prePushInputs[i % seeds.prePushInputs.count]
            return (s.name, TextMutator.mutant(of: s.bytes, &rng))
        }, slow: slow) { i, name, b in
            do {
                lines += try PrePushLine.parse(bytes: b).count
            } catch let error as GitError {
                guard error.message.hasPrefix("pre-push input, line ") else { return XCTFail("iteration \(i) (\(name)): \(error.message)") }
                if let problem = Self.errorProblem(error.message, limit: 400) { XCTFail("iteration \(i) (\(name)): \(problem)") }
            } catch {
                XCTFail("iteration \(i) (\(name)): not a GitError: \(error)")
            }
        }
        if run.iterations >= 100 { XCTAssertGreaterThan(lines, 0, "no mutant parsed: the seeds are not pre-push input") }
    }

    /// What is wrong with an error message shown on a terminal: more than one line, a control
    /// character (C0, DEL, C1, a bidirectional override), or more than `limit` characters.
    static func errorProblem(_ message: String, limit: Int) -> String? {
        if message.unicodeScalars.contains(where: {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
        }) {
            return "control character in error: \(message.prefix(300).debugDescription)"
        }
        if message.count > limit { return "error of \(message.count) characters: \(message.prefix(300).debugDescription)…" }
        return nil
    }
}
