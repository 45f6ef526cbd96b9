import XCTest
import Foundation
import MoatBytes
import MoatCore

/// Tests/Fixtures, found from this file's path.
let fixturesRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// The bytes of a fixture, e.g. `fixture("positive/tiny_mlp.onnx")` (empty when missing).
func fixture(_ relative: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: fixturesRoot.appendingPathComponent(relative)))) ?? []
}

/// A fixture as a sniffer sees it.
func sniffInput(_ relative: String) -> SniffInput {
    SniffInput(path: PathBytes(relative), source: MemoryByteSource(fixture(relative)))
}

/// Shared assertions for one sniffer's tests: a test case names its `sniffer` and conforms.
protocol SnifferAssertions {
    associatedtype S: Sniffer
    var sniffer: S { get }
}

extension SnifferAssertions {
    /// The detection, or a test failure when the sniffer does not claim the input.
    func found(_ input: SniffInput, file: StaticString = #filePath, line: UInt = #line) -> Detection? {
        guard case .found(let d) = sniffer.sniff(input) else { XCTFail("not found", file: file, line: line); return nil }
        return d
    }

    func assertNotMine(_ input: SniffInput, file: StaticString = #filePath, line: UInt = #line) {
        if case .notMine = sniffer.sniff(input) { return }
        XCTFail("expected notMine", file: file, line: line)
    }

    func details(_ d: Detection) -> [String: String] { Dictionary(uniqueKeysWithValues: d.summary.details) }
}

extension SniffResult {
    /// The detection when the sniffer found something.
    var detection: Detection? {
        if case .found(let d) = self { return d }
        return nil
    }
}

/// `bytes` as a sequential stream holding at most `cap` bytes, as a big blob is read from git.
func streamSource(_ bytes: [UInt8], cap: Int = 256 * 1024) -> StreamByteSource {
    var pos = 0
    return StreamByteSource(size: bytes.count, cap: cap) { buf, n in
        let m = min(n, bytes.count - pos)
        guard m > 0 else { return false }
        buf += bytes[pos..<(pos + m)]
        pos += m
        return true
    }
}
