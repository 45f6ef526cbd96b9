import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class ZZDebugDump: XCTestCase {
    func testDump() throws {
        guard let list = ProcessInfo.processInfo.environment["MOAT_DUMP"] else { return }
        for path in list.split(separator: ",") {
            let b = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: String(path))))) ?? []
            let input = SniffInput(path: PathBytes(String(path)), source: MemoryByteSource(b))
            for s in [KerasArchiveSniffer(), HDF5Sniffer(), ONNXSniffer(), TFLiteSniffer()] as [any Sniffer] {
                let r = s.sniff(input)
                if case .found(let d) = r {
                    print("DUMP \(path): \(d.format) \(d.category.rawValue) '\(d.label)' t=\(String(describing: d.summary.tensors)) p=\(String(describing: d.summary.parameters)) \(d.summary.dtypes) opt=\(String(describing: d.summary.optimizer)) notes=\(d.summary.notes) det=\(d.summary.details) prob=\(d.problems) read=\(input.source.bytesRead)")
                }
            }
        }
    }
}
