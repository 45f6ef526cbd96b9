import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class TorchSnifferTests: XCTestCase {
    /// MOAT_PICKLE_DUMP=a.pt,b.pkl prints what the torch and pickle sniffers say (exploration aid).
    func testDumpFromEnvironment() throws {
        guard let list = ProcessInfo.processInfo.environment["MOAT_PICKLE_DUMP"] else { return }
        for path in list.split(separator: ",") {
            let b = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: String(path))))) ?? []
            let input = SniffInput(path: PathBytes(String(path)), source: MemoryByteSource(b))
            var said = false
            let t0 = Date()
            defer { print("DUMP \(path): \(Int(Date().timeIntervalSince(t0) * 1000)) ms") }
            for s in [TorchZipSniffer(), TorchLegacySniffer(), PickleSniffer()] as [any Sniffer] {
                if case .found(let d) = s.sniff(input) {
                    said = true
                    print("DUMP \(path): \(d.format) \(d.category.rawValue) '\(d.label)' t=\(String(describing: d.summary.tensors)) p=\(String(describing: d.summary.parameters)) \(d.summary.dtypes) opt=\(String(describing: d.summary.optimizer)) notes=\(d.summary.notes) det=\(d.summary.details) prob=\(d.problems)")
                }
            }
            if !said { print("DUMP \(path): nothing") }
        }
    }
}
