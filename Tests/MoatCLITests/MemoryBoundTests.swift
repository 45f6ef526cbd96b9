import Foundation
import XCTest

/// Peak memory stays within a small factor of the bytes read, on inputs crafted to make parser
/// state grow (issue 9): measured from outside with `/usr/bin/time -f %M`, as a user would.
final class MemoryBoundTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "no /usr/bin/time")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-mem-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let d = dir { try? FileManager.default.removeItem(at: d) }
    }

    /// Peak resident kilobytes of `moat scan <name> --no-secrets`.
    func peakKB(_ name: String) throws -> Int {
        let r = try CLI.run(URL(fileURLWithPath: "/usr/bin/time"), ["-f", "peak %M", CLI.moat.path, "scan", name, "--no-secrets"], in: dir)
        let line = try XCTUnwrap(r.stderr.split(separator: "\n").last { $0.hasPrefix("peak ") }, r.stderr)
        return try XCTUnwrap(Int(line.dropFirst(5)))
    }

    func testCraftedHeadersAndPickleFloodsStayWithinAFactorOfTheirSize() throws {
        try Data("print('hello')\n".utf8).write(to: dir.appendingPathComponent("small.py"))
        let baseline = try peakKB("small.py")

        // A safetensors header of 300,000 one-byte tensors (about 17 MB of JSON).
        var json = "{"
        json.reserveCapacity(18 << 20)
        for i in 0..<300_000 { json += (i == 0 ? "" : ",") + "\"t\(i)\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[\(i),\(i + 1)]}" }
        json += "}"
        var st = Data()
        var n = UInt64(json.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { st.append(contentsOf: $0) }
        st.append(Data(json.utf8))
        st.append(Data(count: 300_000))
        try st.write(to: dir.appendingPathComponent("flood.safetensors"))

        // A 1 MB pickle of TUPLE1 opcodes (each wraps the last value in another tuple).
        var pickle: [UInt8] = [0x80, 0x02, 0x4B, 0x01]
        pickle += [UInt8](repeating: 0x85, count: 1_000_000)
        pickle.append(0x2E)
        try Data(pickle).write(to: dir.appendingPathComponent("tuples.pkl"))

        for (name, size) in [("flood.safetensors", st.count), ("tuples.pkl", pickle.count)] {
            let peak = try peakKB(name)
            // The bound the README states: the bytes read, a small factor over them, no more.
            XCTAssertLessThan(peak - baseline, 3 * size / 1024 + 16 * 1024, "\(name): \(peak) KB peak against \(baseline) KB for a small file")
        }
    }
}
