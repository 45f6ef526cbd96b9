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
