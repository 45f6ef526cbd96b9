import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class ZZPickleBench: XCTestCase {
    func testBench() throws {
        guard let path = ProcessInfo.processInfo.environment["MOAT_PICKLE_BENCH"] else { return }
        let b = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
        let input = SniffInput(path: PathBytes(path), source: MemoryByteSource(b))
        let zip = try XCTUnwrap(input.zip)
        let e = try XCTUnwrap(zip.first { $0.hasSuffix("/data.pkl") })
        let pkl = try XCTUnwrap(zip.contentPrefix(of: e, in: input, limit: 1 << 24))
        var t0 = Date()
        let w = PickleWalker.walk(pkl)
        print("BENCH bytes=\(pkl.count) ops=\(w.ops) containers=\(w.containers.count) walk=\(Int(Date().timeIntervalSince(t0) * 1000))ms")
        t0 = Date()
        let ev = CheckpointEvidence(w)
        print("BENCH evidence=\(Int(Date().timeIntervalSince(t0) * 1000))ms \(ev.tally(.model).count)")
    }
}
