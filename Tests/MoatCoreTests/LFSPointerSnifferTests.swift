import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class LFSPointerSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = LFSPointerSniffer()

    static let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"

    func memory(_ bytes: [UInt8], _ name: String = "model.safetensors") -> SniffInput {
        SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
    }

    func pointer(_ lines: [String]) -> [UInt8] { Array(lines.map { $0 + "\n" }.joined().utf8) }

    func benignReason(_ input: SniffInput, file: StaticString = #filePath, line: UInt = #line) -> String? {
        if case .benign(let why) = sniffer.sniff(input) { return why.description }
        XCTFail("expected benign", file: file, line: line)
        return nil
    }

    static let version = "version https://git-lfs.github.com/spec/v1"

    // MARK: what it must recognise

    func testFixturePointers() throws {
        let truths = try PickleFixtureTruth.load().filter { $0.format == "lfs-pointer" }
        XCTAssertEqual(truths.count, 4, "weights under negative/lfs, a Parquet shard under negative/datasets/lfs")
        for t in truths {
            XCTAssertEqual(t.expect, "none", t.file)
            // The oid and size lines of the pointer file itself.
            let lines = String(decoding: fixture(t.file), as: UTF8.self).split(separator: "\n")
            let oid = try XCTUnwrap(lines.first { $0.hasPrefix("oid sha256:") }).dropFirst("oid sha256:".count)
            let size = try XCTUnwrap(lines.first { $0.hasPrefix("size ") }).dropFirst("size ".count)
            XCTAssertEqual(benignReason(sniffInput(t.file)), "Git LFS pointer (\(size) bytes stored in LFS)", t.file)
            guard case .benign(.lfsPointer(let stored)) = sniffer.sniff(sniffInput(t.file)) else { return XCTFail(t.file) }
            XCTAssertEqual(stored, Int(size), t.file)
            let parsed = try XCTUnwrap(LFSPointerSniffer.parse(fixture(t.file)), t.file)
            XCTAssertEqual(parsed.oid, String(oid))
            XCTAssertEqual(parsed.size, Int(size))
        }
    }

    func testWholeDetectorStopsAtAPointer() {
        guard case .benign = ArtifactDetector().examine(path: PathBytes("negative/lfs/weights.gguf"),
                                                        source: MemoryByteSource(fixture("negative/lfs/weights.gguf"))) else {
            return XCTFail("an LFS pointer is never a finding")
        }
    }

    func testSpecVariants() throws {
        // The pre-release hawser URL, extension lines, unknown keys, size zero.
        let hawser = pointer(["version https://hawser.github.com/spec/v1", "oid sha256:\(LFSPointerSnifferTests.oid)", "size 12"])
        XCTAssertEqual(LFSPointerSniffer.parse(hawser)?.size, 12)
        let ext = pointer([LFSPointerSnifferTests.version, "ext-0-foo sha256:\(String(repeating: "0", count: 64))",
                           "oid sha256:\(LFSPointerSnifferTests.oid)", "size 0", "x-future.key whatever"])
        XCTAssertEqual(LFSPointerSniffer.parse(ext)?.size, 0)
        XCTAssertEqual(LFSPointerSniffer.parse(ext)?.oid, LFSPointerSnifferTests.oid)
        XCTAssertEqual(benignReason(memory(ext)), "Git LFS pointer (0 bytes stored in LFS)")
    }

    // MARK: what it must not recognise

    func testNonCanonicalPointers() {
        let oidLine = "oid sha256:\(LFSPointerSnifferTests.oid)"
        let cases: [(String, [UInt8])] = [
            ("no final newline", Array(pointer([LFSPointerSnifferTests.version, oidLine, "size 12"]).dropLast())),
            ("CRLF", Array("\(LFSPointerSnifferTests.version)\r\n\(oidLine)\r\nsize 12\r\n".utf8)),
            ("no oid", pointer([LFSPointerSnifferTests.version, "size 12"])),
            ("no size", pointer([LFSPointerSnifferTests.version, oidLine])),
            ("upper-case hex", pointer([LFSPointerSnifferTests.version, oidLine.uppercased().replacingOccurrences(of: "OID SHA256", with: "oid sha256"), "size 12"])),
            ("short oid", pointer([LFSPointerSnifferTests.version, String(oidLine.dropLast()), "size 12"])),
            ("sha1 oid", pointer([LFSPointerSnifferTests.version, "oid sha1:" + String(repeating: "a", count: 40), "size 12"])),
            ("negative size", pointer([LFSPointerSnifferTests.version, oidLine, "size -12"])),
            ("size with unit", pointer([LFSPointerSnifferTests.version, oidLine, "size 12MB"])),
            ("size of 20 digits", pointer([LFSPointerSnifferTests.version, oidLine, "size " + String(repeating: "9", count: 20)])),
            ("empty size", pointer([LFSPointerSnifferTests.version, oidLine, "size "])),
            ("upper-case key", pointer([LFSPointerSnifferTests.version, oidLine, "Size 12"])),
            ("line without a space", pointer([LFSPointerSnifferTests.version, oidLine, "size12"])),
            ("spec v2", pointer(["version https://git-lfs.github.com/spec/v2", oidLine, "size 12"])),
            ("version not first", pointer([oidLine, LFSPointerSnifferTests.version, "size 12"])),
            ("leading blank line", pointer(["", LFSPointerSnifferTests.version, oidLine, "size 12"])),
        ]
        for (why, bytes) in cases {
            XCTAssertNil(LFSPointerSniffer.parse(bytes), why)
            assertNotMine(memory(bytes))
        }
    }

    func testPointerOfAKilobyteOrMore() {
        var lines = [LFSPointerSnifferTests.version, "oid sha256:\(LFSPointerSnifferTests.oid)", "size 12"]
        var b = pointer(lines)
        while b.count < 1024 { lines.append("ext-9-pad x"); b = pointer(lines) }
        XCTAssertNil(LFSPointerSniffer.parse(b))
        assertNotMine(memory(b))
        // The same pointer with one line fewer (under 1024 bytes) is recognised.
        XCTAssertNotNil(LFSPointerSniffer.parse(pointer(Array(lines.dropLast()))))
    }

    func testTextAboutLFSAndOtherFiles() {
        let readme = "version https://git-lfs.github.com/spec/v1 is the pointer format.\nSee the docs.\n"
        assertNotMine(memory(Array(readme.utf8)))
        for name in ["negative/settings.json", "negative/train_utils.py", "negative/random.bin", "positive/tiny-llama.safetensors"] {
            assertNotMine(sniffInput(name))
        }
        assertNotMine(memory([]))
    }
}
