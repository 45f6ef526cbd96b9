import CGit2
import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

/// Loose objects are read by moat's backend, not libgit2 1.5's (which loops forever on a truncated
/// object and overruns its buffer when a header declares less than the content).
final class LooseObjectBackendTests: XCTestCase {
    private func looseFile(_ repo: String, _ id: String) -> String { repo + "/.git/objects/" + id.prefix(2) + "/" + id.dropFirst(2) }

    /// A repository with `text` staged as a.txt (a loose blob), and the blob's id.
    private func stagedFile(_ text: String) throws -> (Scratch, String, String) {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/a.txt", text)
        try scratch.git(["add", "."], in: repo)
        return (scratch, repo, try scratch.git(["rev-parse", ":a.txt"], in: repo).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Replaces a loose object's file with `bytes` (git makes them read-only).
    private func overwrite(_ path: String, _ bytes: [UInt8]) throws {
        XCTAssertEqual(chmod(path, 0o644), 0)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// zlib-compresses `data` with git's own tool (`git hash-object` would re-hash, so use Python's zlib).
    private func deflate(_ scratch: Scratch, _ data: [UInt8]) throws -> [UInt8] {
        let input = scratch.path("raw-\(UUID().uuidString)"), output = input + ".z"
        try Data(data).write(to: URL(fileURLWithPath: input))
        _ = try scratch.run("/usr/bin/env", ["python3", "-c", "import sys, zlib; open(sys.argv[2], 'wb').write(zlib.compress(open(sys.argv[1], 'rb').read()))", input, output], in: scratch.root)
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    func testValidLooseObjectsReadAsGitWroteThem() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        let content = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try scratch.write("repo/data.bin", content)
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "c"], in: repo)
        let id = try XCTUnwrap(ObjectID(hex: try scratch.git(["rev-parse", "HEAD:data.bin"], in: repo).trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: looseFile(repo, id.hex)))
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertEqual(try repository.readBlob(id), content)
        XCTAssertEqual(try repository.blobSize(id), content.count)
        // The commit and its tree are loose too.
        let tree = try XCTUnwrap(try repository.headTree())
        XCTAssertEqual(git_tree_entrycount(tree), 1)
        git_object_free(tree)
    }

    func testTruncatedLooseObjectFailsInsteadOfHanging() throws {
        let (scratch, repo, id) = try stagedFile("a file whose object will be cut short\n")
        defer { withExtendedLifetime(scratch) {} }  // the repository lives in it
        let path = looseFile(repo, id)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        try overwrite(path, Array(bytes.dropLast(12)))
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        XCTAssertThrowsError(try repository.readBlob(ObjectID(hex: id)!)) { error in
            XCTAssertTrue("\(error)".contains("corrupt loose object"), "\(error)")
        }
        XCTAssertEqual(try repository.blobSize(ObjectID(hex: id)!), 38, "the header still reads")
    }

    /// Found by the loose-object fuzzer: a file that is not a zlib stream was passed on to libgit2
    /// 1.5's loose reader, which takes it for the old pack-like format and loops forever inflating a
    /// cut stream (a bit flip in the first byte of any loose object does it). moat's backend now
    /// refuses such a file as corrupt, so libgit2 never reads it.
    func testNonZlibLooseObjectFailsInsteadOfHanging() throws {
        let (scratch, repo, id) = try stagedFile("a file whose object will become pack-like\n")
        defer { withExtendedLifetime(scratch) {} }
        let path = looseFile(repo, id)
        // A pack-like header (blob, 100 bytes) and a deflate stream cut short.
        let body = try deflate(scratch, Array(repeating: UInt8(ascii: "x"), count: 100))
        try overwrite(path, [0xB4, 0x06] + body.prefix(6))
        nonisolated(unsafe) let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: String?
        Thread.detachNewThread {
            do { _ = try repository.readBlob(ObjectID(hex: id)!); outcome = "read" } catch { outcome = "\(error)" }
            done.signal()
        }
        guard done.wait(timeout: .now() + 20) == .success else { return XCTFail("reading a pack-like loose object hangs") }
        XCTAssertTrue(outcome?.contains("corrupt loose object") == true, outcome ?? "")
        XCTAssertThrowsError(try repository.blobSize(ObjectID(hex: id)!))
    }

    func testHeadersThatDisagreeWithTheContentAreRefused() throws {
        let (scratch, repo, id) = try stagedFile("placeholder\n")
        let repository = { try GitRepository.open(at: repo, fromEnvironment: false) }
        let oid = try XCTUnwrap(ObjectID(hex: id))
        let cases: [(String, [UInt8])] = [
            ("declares less than it holds", Array("blob 4\u{0}this is a blob with a too-small length value\n".utf8)),
            ("declares more than it holds", Array("blob 400\u{0}short\n".utf8)),
            ("unknown type", Array("blub 5\u{0}hello".utf8)),
            ("no size", Array("blob \u{0}hello".utf8)),
            ("no header end", Array("blob 5 hello".utf8)),
        ]
        for (why, object) in cases {
            try overwrite(looseFile(repo, id), try deflate(scratch, object))
            XCTAssertThrowsError(try repository().readBlob(oid), why)
        }
        try overwrite(looseFile(repo, id), Array("not zlib at all".utf8))
        XCTAssertThrowsError(try repository().readBlob(oid), "not zlib")
        // A size no file of this length can inflate to is refused from the header alone.
        try overwrite(looseFile(repo, id), try deflate(scratch, Array("blob 99999999999\u{0}x".utf8)))
        XCTAssertThrowsError(try repository().blobSize(oid))
    }
}
