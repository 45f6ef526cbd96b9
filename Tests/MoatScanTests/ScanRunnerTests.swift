import Dispatch
import MoatBytes
import MoatCore
import MoatGit
@testable import MoatScan
import XCTest

/// The runner on hand-made batches: order, failures, origins.
final class ScanRunnerTests: XCTestCase {
    /// Delivers the given bytes (nil: a read failure) from several threads, last input first.
    struct ReversedReader: InputReader {
        let contents: [[UInt8]?]
        func read(_ inputs: [ScanInput], workers: Int, deliver: @escaping @Sendable (Int, ReadOutcome) -> Void) throws(ScanError) {
            let contents = self.contents
            DispatchQueue.concurrentPerform(iterations: inputs.count) { k in
                let i = inputs.count - 1 - k
                if let bytes = contents[i] { deliver(i, .source(MemoryByteSource(bytes))) } else { deliver(i, .failed("input \(i) is gone")) }
            }
        }
    }

    /// Reads nothing at all.
    struct SilentReader: InputReader {
        func read(_ inputs: [ScanInput], workers: Int, deliver: @escaping @Sendable (Int, ReadOutcome) -> Void) throws(ScanError) {}
    }

    let runner = ScanRunner(scanner: ContentScanner(secrets: nil), workers: 4)

    func fileInput(_ name: String) -> ScanInput {
        ScanInput(path: PathBytes(name), size: 0, origin: .file(absolutePath: PathBytes("/nonexistent/" + name)))
    }

    func testFindingsComeInInputOrderWhateverTheThreads() throws {
        let weights = try fixtureBytes("positive/tiny-llama.safetensors")
        let names = (0..<40).map { "w\($0).safetensors" }
        let batch = InputBatch(inputs: names.map(fileInput), reader: ReversedReader(contents: names.map { _ in weights }))
        var result = ScanResult(mode: .scan, root: "/r")
        try runner.run(batch, into: &result)
        XCTAssertEqual(result.filesScanned, 40)
        XCTAssertEqual(result.findings.map(\.path.description), names)
        XCTAssertEqual(result.bytesRead > 0, true)
    }

    func testAFileThatCannotBeReadIsSkippedAndAnObjectIsMissing() throws {
        let inputs = [fileInput("gone.bin"),
                      ScanInput(path: PathBytes("staged.bin"), size: 3, origin: .index(blob: ObjectID(hex: String(repeating: "ab", count: 20))!)),
                      fileInput("ok.txt")]
        var result = ScanResult(mode: .staged, root: "/r")
        try runner.run(InputBatch(inputs: inputs, reader: ReversedReader(contents: [nil, nil, Array("hello\n".utf8)])), into: &result)
        XCTAssertEqual(result.skipped, [.unreadable: 1])
        XCTAssertEqual(result.missingObjects, 1)
        XCTAssertEqual(result.warnings, ["input 0 is gone", "input 1 is gone"])
        XCTAssertEqual(result.filesScanned, 1)
        XCTAssertEqual(ExitPolicy().decide(result), .incomplete("1 object could not be read, so part of the change was not scanned; --allow-missing accepts that"))
        XCTAssertEqual(ExitPolicy(allowMissing: true).decide(result), .pass)
    }

    func testAReaderThatSkipsAnInputNeverPassesItAsClean() throws {
        var result = ScanResult(mode: .scan, root: "/r")
        try runner.run(InputBatch(inputs: [fileInput("a"), fileInput("b")], reader: SilentReader()), into: &result)
        XCTAssertEqual(result.filesScanned, 0)
        XCTAssertEqual(result.skipped[.unreadable], 2)
        XCTAssertEqual(result.warnings.count, 2)
    }

    func testLFSPointersAreCountedNotReported() throws {
        let pointer = try fixtureBytes("negative/lfs/model.safetensors")
        var result = ScanResult(mode: .scan, root: "/r")
        try runner.run(InputBatch(inputs: [fileInput("model.safetensors")], reader: ReversedReader(contents: [pointer])), into: &result)
        XCTAssertEqual(result.findings.count, 0)
        XCTAssertEqual(result.skipped, [.lfsPointers: 1])
    }

    func testHistoryOriginIsAttachedToFindings() throws {
        let commit = ObjectID(hex: String(repeating: "12", count: 20))!
        let blob = HistoryBlob(id: ObjectID(hex: String(repeating: "34", count: 20))!, size: 10, path: PathBytes("m.safetensors"),
                               firstCommit: commit, author: "Ada <ada@example.com>", authorEmail: "ada@example.com", time: 1_700_000_000,
                               pathCount: 2, commitCount: 3, inHead: false, reachable: true)
        let dangling = HistoryBlob(id: ObjectID(hex: String(repeating: "56", count: 20))!, size: 10, path: PathBytes(""),
                                   firstCommit: nil, author: nil, authorEmail: nil, time: nil, pathCount: 1, commitCount: 0,
                                   inHead: false, reachable: false)
        let weights = try fixtureBytes("positive/tiny-llama.safetensors")
        let inputs = [blob, dangling].map { ScanInput(path: $0.path, size: $0.size, origin: .history($0)) }
        var result = ScanResult(mode: .history, root: "/r")
        try runner.run(InputBatch(inputs: inputs, reader: ReversedReader(contents: [weights, weights])), into: &result)
        XCTAssertEqual(result.findings.count, 2)
        let first = result.findings[0]
        XCTAssertEqual(first.blob, blob.id.hex)
        XCTAssertEqual(first.commit, commit.hex)
        XCTAssertEqual(first.provenance, Provenance(author: "Ada <ada@example.com>", time: 1_700_000_000, paths: 2, commits: 3, inHead: false))
        let second = result.findings[1]
        XCTAssertEqual(second.blob, dangling.id.hex)
        XCTAssertNil(second.commit)
        XCTAssertNil(second.provenance)
        XCTAssertTrue(second.summary.notes.contains("dangling object (no ref reaches it)"))
    }

    func testBlockingFindingsDecideBeforeMissingObjects() throws {
        var result = ScanResult(mode: .history, root: "/r")
        result.missingObjects = 2
        XCTAssertEqual(ExitPolicy().decide(result).status, 2)
        let secrets = ScanRunner(scanner: ContentScanner(secrets: SecretDetector()), workers: 2)
        let env = Array("HF_TOKEN=hf_FakeMoatTokenQwZxRtYuPlMnBvCxZaSdFgHj\n".utf8)
        try secrets.run(InputBatch(inputs: [fileInput("ci.env")], reader: ReversedReader(contents: [env])), into: &result)
        XCTAssertEqual(result.worstSeverity, .block, "\(result.findings.map(\.rule))")
        XCTAssertEqual(ExitPolicy().decide(result), .blocked)
        XCTAssertEqual(ExitPolicy().decide(ScanResult(mode: .scan, root: "/r")), .pass)
    }

    /// Bytes that break after the first `good` ones, as a damaged stream does.
    final class BrokenSource: ByteSource {
        let bytes: [UInt8], good: Int
        private(set) var bytesRead = 0
        private(set) var readFailure: String?
        init(_ bytes: [UInt8], good: Int) { self.bytes = bytes; self.good = good }
        var size: Int { bytes.count }
        var isRandomAccess: Bool { false }
        func read(at offset: Int, count: Int) -> [UInt8]? {
            guard offset >= 0, offset <= good else { readFailure = "inflation failed at \(good)"; return nil }
            let end = min(offset + count, bytes.count)
            if end > good { readFailure = "inflation failed at \(good)" }
            let n = min(end, good)
            bytesRead += n - offset
            return Array(bytes[offset..<n])
        }
    }

    struct BrokenReader: InputReader {
        let text: [UInt8]
        func read(_ inputs: [ScanInput], workers: Int, deliver: @escaping @Sendable (Int, ReadOutcome) -> Void) throws(ScanError) {
            deliver(0, .source(BrokenSource(text, good: text.count / 2)))
        }
    }

    func testADamagedStreamKeepsWhatWasFoundAndCountsTheObjectAsMissing() throws {
        let secrets = ScanRunner(scanner: ContentScanner(secrets: SecretDetector()), workers: 1)
        let text = Array("HF_TOKEN=hf_FakeMoatTokenQwZxRtYuPlMnBvCxZaSdFgHj\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 200)
        let blob = ObjectID(hex: String(repeating: "cd", count: 20))!
        var result = ScanResult(mode: .staged, root: "/r")
        try secrets.run(InputBatch(inputs: [ScanInput(path: PathBytes("a.env"), size: text.count, origin: .index(blob: blob))],
                                   reader: BrokenReader(text: text)), into: &result)
        XCTAssertEqual(result.missingObjects, 1)
        XCTAssertTrue(result.warnings.first?.contains("could not be read in full") == true, "\(result.warnings)")
        XCTAssertFalse(result.findings.isEmpty, "the secret before the damage is still reported")
        XCTAssertEqual(ExitPolicy().decide(result), .blocked)
    }
}
