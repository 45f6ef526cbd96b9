import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class ZZDebugFuzz: XCTestCase {
    func testFuzz() throws {
        guard let list = ProcessInfo.processInfo.environment["MOAT_FUZZ"] else { return }
        var g = SystemRandomNumberGenerator()
        for path in list.split(separator: ",") {
            let orig = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: String(path))))) ?? []
            var worst = 0.0, found = 0
            for it in 0..<400 {
                var b = orig
                let region = min(b.count, it % 2 == 0 ? 4096 : 200_000)
                for _ in 0..<(1 + it % 30) { b[Int.random(in: 0..<region, using: &g)] = UInt8.random(in: 0...255, using: &g) }
                let input = SniffInput(path: PathBytes("x"), source: MemoryByteSource(b))
                let t = Date()
                for s in [KerasArchiveSniffer(), HDF5Sniffer(), ONNXSniffer(), TFLiteSniffer()] as [any Sniffer] {
                    if case .found = s.sniff(input) { found += 1 }
                }
                worst = max(worst, Date().timeIntervalSince(t))
            }
            print("FUZZ \(path) worst=\(worst) found=\(found)")
        }
    }
}
