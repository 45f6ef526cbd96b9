import CGit2
import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

final class PackObjectDecoderTests: XCTestCase {
    /// A repository whose files and folders change a little in each of `commits` commits, packed
    /// by git with deep delta chains (OFS_DELTA entries, or REF_DELTA ones with `refDeltas`).
    static func evolvingRepository(_ scratch: Scratch, commits: Int, refDeltas: Bool = false) throws -> String {
        let repo = try scratch.initRepository()
        var script = ""
        var lines = (0..<200).map { "line \($0): the quick brown fox jumps over the lazy dog \($0 * 7919 % 1000)" }
        for c in 0..<commits {
            lines[(c * 37) % lines.count] = "edited in commit \(c): \(c * c)"
            lines.insert("inserted by \(c)", at: (c * 11) % lines.count)
            let text = lines.joined(separator: "\n") + "\n"
            script += "commit refs/heads/main\ncommitter T <t@example.com> \(1_700_000_000 + 60 * c) +0000\ndata 2\nc\n"
            script += "M 100644 inline src/module\(c % 3)/file.txt\ndata \(text.utf8.count)\n\(text)\n"
            script += "M 100644 inline docs/notes/n\(c % 5).md\ndata \(text.utf8.count / 2)\n\(String(decoding: Array(text.utf8.prefix(text.utf8.count / 2)), as: UTF8.self))\n"
            script += "M 100644 inline top\(c).txt\ndata 6\nfile \(c % 10)\n\n"
        }
        try scratch.run("/usr/bin/env", ["git", "fast-import", "--quiet"], in: repo, stdin: script)
        try scratch.git(["-c", "repack.useDeltaBaseOffset=\(!refDeltas)", "repack", "-adfq", "--window=50", "--depth=50"], in: repo)
        return repo
    }

    private func packs(_ repo: String) throws -> [PackLayout] {
        let packs = PackLayout.all(in: [PathBytes(repo + "/.git/objects")])
        XCTAssertEqual(packs.count, 1)
        return packs
    }

    /// Decodes every entry and compares type, size and bytes with what libgit2 reads.
    private func assertEveryEntryMatchesLibgit2(_ repo: String, cacheLimit: Int, expectKind kind: PackEntryKind,
                                                file: StaticString = #filePath, line: UInt = #line) throws {
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let odb = try repository.odb()
        let pack = try packs(repo)[0]
        let decoder = PackObjectDecoder(pack: pack, cacheLimit: cacheLimit)
        var deltas = [PackEntryKind: Int](), kinds = Set<PackEntryKind>()
        for k in 0..<pack.count {
            var id = pack.id(k).loadUnaligned(as: git_oid.self)
            var object: OpaquePointer?
            XCTAssertEqual(git_odb_read(&object, odb, &id), 0, file: file, line: line)
            defer { git_odb_object_free(object) }
            let expected = Array(UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
            XCTAssertEqual(Int32(pack.types[k]), git_odb_object_type(object).rawValue, "entry \(k)", file: file, line: line)
            XCTAssertEqual(decoder.object(k), expected, "entry \(k)", file: file, line: line)
            XCTAssertEqual(decoder.objectSize(k), expected.count, "entry \(k)", file: file, line: line)
            let header = try XCTUnwrap(pack.dataStart(k)?.header)
            kinds.insert(header.kind)
            if header.kind.isDelta, let type = PackEntryKind(rawValue: pack.types[k]) { deltas[type, default: 0] += 1 }
        }
        XCTAssertGreaterThan(deltas[.tree] ?? 0, 50, "the test needs deltified trees", file: file, line: line)
        XCTAssertGreaterThan(deltas[.blob] ?? 0, 50, "the test needs deltified blobs", file: file, line: line)
        XCTAssertTrue(kinds.contains(kind), file: file, line: line)
    }

    func testEveryEntryOfARealPackDecodesAsLibgit2ReadsIt() throws {
        let scratch = try Scratch()
        let repo = try Self.evolvingRepository(scratch, commits: 120)
        try assertEveryEntryMatchesLibgit2(repo, cacheLimit: 32 << 20, expectKind: .offsetDelta)
        // Without a cache every chain is decoded from its whole base each time.
        try assertEveryEntryMatchesLibgit2(repo, cacheLimit: 0, expectKind: .offsetDelta)
    }

    func testReferenceDeltasDecodeToo() throws {
        let scratch = try Scratch()
        let repo = try Self.evolvingRepository(scratch, commits: 80, refDeltas: true)
        try assertEveryEntryMatchesLibgit2(repo, cacheLimit: 1 << 20, expectKind: .referenceDelta)
    }

    func testObjectsOverTheSizeLimitAreLeftToTheCaller() throws {
        let scratch = try Scratch()
        let repo = try Self.evolvingRepository(scratch, commits: 60)
        let pack = try packs(repo)[0]
        let decoder = PackObjectDecoder(pack: pack, maxObjectSize: 1000)
        var refused = 0
        for k in 0..<pack.count where pack.types[k] == PackEntryKind.blob.rawValue {
            let size = try XCTUnwrap(decoder.objectSize(k))
            if size > 1000 { XCTAssertNil(decoder.object(k)); refused += 1 } else { XCTAssertEqual(decoder.object(k)?.count, size) }
        }
        XCTAssertGreaterThan(refused, 10)
    }

    // MARK: hand-made entries

    /// A delta's instructions: base size, result size, then the operations.
    private func delta(base: Int, result: Int, _ ops: [UInt8]) -> [UInt8] {
        func varint(_ v: Int) -> [UInt8] {
            var v = v, out: [UInt8] = []
            repeat {
                var byte = UInt8(v & 0x7F)
                v >>= 7
                if v > 0 { byte |= 0x80 }
                out.append(byte)
            } while v > 0
            return out
        }
        return varint(base) + varint(result) + ops
    }

    /// A whole blob "0123456789" at offset 12 and an OFS_DELTA entry on it carrying `instructions`.
    private func blobAndDelta(_ scratch: Scratch, _ instructions: [UInt8], declaredSize: Int? = nil) throws -> PackLayout {
        let base = Array("0123456789".utf8)
        let first = packEntryHeader(type: 3, size: base.count) + storedZlib(base)
        let distance = first.count  // the delta follows the base directly
        let second = packEntryHeader(type: 6, size: declaredSize ?? instructions.count) + [UInt8(distance)] + storedZlib(instructions)
        return try syntheticPackLayout(scratch, [(testOID(0x10, 1), first), (testOID(0x20, 2), second)])
    }

    func testCopyAndInsertInstructions() throws {
        let scratch = try Scratch()
        // Copy 4 bytes from offset 6 ("6789"), insert "ab", copy 3 bytes from offset 0 ("012").
        let ops: [UInt8] = [0x91, 6, 4, 0x02, 0x61, 0x62, 0x90, 3]
        let pack = try blobAndDelta(scratch, delta(base: 10, result: 9, ops))
        XCTAssertEqual(pack.types, [3, 3])
        XCTAssertEqual(pack.deltaBases, [-1, 0])
        let decoder = PackObjectDecoder(pack: pack)
        XCTAssertEqual(decoder.object(1).map { String(decoding: $0, as: UTF8.self) }, "6789ab012")
        XCTAssertEqual(decoder.objectSize(1), 9)
        XCTAssertEqual(decoder.object(0).map { String(decoding: $0, as: UTF8.self) }, "0123456789")
    }

    func testMalformedDeltasAreRefused() throws {
        let scratch = try Scratch()
        let cases: [(String, [UInt8])] = [
            ("copy past the end of the base", delta(base: 10, result: 5, [0x91, 8, 5])),
            ("base size differs from the base", delta(base: 11, result: 2, [0x02, 0x61, 0x62])),
            ("result shorter than declared", delta(base: 10, result: 5, [0x02, 0x61, 0x62])),
            ("result longer than declared", delta(base: 10, result: 1, [0x02, 0x61, 0x62])),
            ("insert past the end of the instructions", delta(base: 10, result: 5, [0x05, 0x61])),
            ("reserved opcode 0", delta(base: 10, result: 1, [0x00, 0x01, 0x61])),
            ("copy offset bytes missing", delta(base: 10, result: 1, [0x8F])),
            ("a huge declared result from two bytes of instructions", delta(base: 10, result: 1 << 40, [0x90, 0x01])),
            ("result size varint that never ends", [0x0A] + Array(repeating: 0xFF, count: 12)),
        ]
        for (why, instructions) in cases {
            let pack = try blobAndDelta(scratch, instructions)
            XCTAssertNil(PackObjectDecoder(pack: pack).object(1), why)
        }
        // The entry header declares more instruction bytes than its stream holds, or fewer.
        let good = delta(base: 10, result: 2, [0x02, 0x61, 0x62])
        XCTAssertNotNil(PackObjectDecoder(pack: try blobAndDelta(scratch, good)).object(1))
        XCTAssertNil(PackObjectDecoder(pack: try blobAndDelta(scratch, good, declaredSize: good.count + 1)).object(1))
        XCTAssertNil(PackObjectDecoder(pack: try blobAndDelta(scratch, good, declaredSize: good.count - 1)).object(1))
    }

    func testWholeEntriesAreBoundedByTheirRealBytes() throws {
        let scratch = try Scratch()
        let data = Array("0123456789".utf8)
        func decode(_ entry: [UInt8]) throws -> [UInt8]? {
            PackObjectDecoder(pack: try syntheticPackLayout(scratch, [(testOID(0x30, 3), entry)])).object(0)
        }
        XCTAssertEqual(try decode(packEntryHeader(type: 3, size: 10) + storedZlib(data)), data)
        XCTAssertNil(try decode(packEntryHeader(type: 3, size: 11) + storedZlib(data)), "stream ends early")
        XCTAssertNil(try decode(packEntryHeader(type: 3, size: 9) + storedZlib(data)), "stream runs long")
        XCTAssertNil(try decode(packEntryHeader(type: 3, size: 1 << 40) + storedZlib(data)), "a terabyte from 21 bytes")
        XCTAssertNil(try decode(packEntryHeader(type: 3, size: 10) + [0x12, 0x34] + Array(storedZlib(data).dropFirst(2))),
                     "not a zlib header")
        XCTAssertNil(try decode(packEntryHeader(type: 3, size: 10)), "no data")
        XCTAssertEqual(try decode(packEntryHeader(type: 3, size: 0) + storedZlib([])), [])
    }

    func testReferenceDeltaCyclesEndWithoutAType() throws {
        let scratch = try Scratch()
        let a = testOID(0x40, 1), b = testOID(0x50, 2)
        let instructions = storedZlib(delta(base: 2, result: 2, [0x90, 2]))
        // a is a delta on b and b a delta on a: neither can be decoded, and nothing loops forever.
        let pack = try syntheticPackLayout(scratch, [
            (a, packEntryHeader(type: 7, size: 5) + b.bytes + instructions),
            (b, packEntryHeader(type: 7, size: 5) + a.bytes + instructions),
        ])
        XCTAssertEqual(pack.types, [0, 0])
        XCTAssertNil(PackObjectDecoder(pack: pack).object(0))
        XCTAssertNil(PackObjectDecoder(pack: pack).object(1))
    }

    /// Damaged packs: random bytes overwritten anywhere between the header and the trailer. Nothing
    /// may crash or hang; what still decodes must have the size its header declared.
    func testRandomDamageNeverCrashes() throws {
        let scratch = try Scratch()
        let repo = try Self.evolvingRepository(scratch, commits: 40)
        let dir = repo + "/.git/objects/pack"
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".pack") })
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
        let index = try XCTUnwrap(PackIndex(path: PathBytes(dir + "/" + name.dropLast(5) + ".idx")))
        var seed: UInt64 = 0x2545_F491_4F6C_DD1D
        func random(_ n: Int) -> Int {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return Int(seed % UInt64(n))
        }
        var decodedSomething = 0
        for round in 0..<60 {
            var bytes = original
            for _ in 0..<(1 + round % 8) {
                let at = 12 + random(bytes.count - 32)
                for i in at..<min(at + 1 + random(4), bytes.count - 20) { bytes[i] = UInt8(random(256)) }
            }
            let path = scratch.path("damaged-\(round).pack")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let pack = try XCTUnwrap(PackLayout(packPath: PathBytes(path), index: index))
            let decoder = PackObjectDecoder(pack: pack, cacheLimit: 1 << 20)
            for k in 0..<pack.count {
                let size = decoder.objectSize(k)
                if let object = decoder.object(k) {
                    decodedSomething += 1
                    if let size { XCTAssertEqual(object.count, size, "round \(round), entry \(k)") }
                }
            }
            let store = TreeStore.load(packs: [pack], workers: 2, budget: 1 << 20)
            XCTAssertLessThanOrEqual(store.count, pack.types.filter { $0 == PackEntryKind.tree.rawValue }.count)
        }
        XCTAssertGreaterThan(decodedSomething, 0)
    }
}
