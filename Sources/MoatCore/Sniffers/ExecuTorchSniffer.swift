/// ExecuTorch programs (`.pte`, written by `to_edge(...).to_executorch()`; source: executorch
/// `schema/program.fbs`, `exir/_serialize/_program.py`).
///
/// A flatbuffer whose file identifier is `ET` + two digits (`ET12`) at offset 4, usually followed at
/// offset 8 by the extended header `eh00`: u32 header length, u64 program size, u64 segment base
/// offset, u64 segment data size. Constant weights live in the segments after the program, so the
/// segment bytes are the weights' bytes. Recognition: the identifier, a root offset inside the
/// program, and (with the extended header) sizes that fit the file. The flatbuffer is not walked:
/// the header says how much weight data there is.
public struct ExecuTorchSniffer: Sniffer {
    public let id = "executorch"
    public init() {}

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 16, h.has(ascii("ET"), at: 4), (0x30...0x39).contains(h[6]), (0x30...0x39).contains(h[7]),
              let root = h.u32le(0), root >= 8, Int(root) < input.size else { return .notMine }
        var s = ArtifactSummary()
        s.addDetail("schema", String(decoding: h[4..<8], as: UTF8.self))
        var problems: [String] = []
        if h.has(ascii("eh00"), at: 8) {
            guard let length = h.u32le(12), length >= 32, let program = h.u64le(16), let base = h.u64le(24), let data = h.u64le(32),
                  program >= UInt64(root), program <= UInt64(input.size), base >= program || data == 0,
                  data <= UInt64(Int.max / 2), base <= UInt64(Int.max / 2) else { return .notMine }
            s.addDetail("program_bytes", String(program))
            if data > 0 {
                s.tensorBytes = Int(data)
                s.addNote("\(FindingMessage.bytes(Int(data))) of constant segments")
                if Int(base) + Int(data) > input.size {
                    problems.append("truncated: segments end at byte \(Int(base) + Int(data)), the file has \(input.size)")
                }
            } else {
                s.addNote("weights inside the program")
            }
        } else {
            // Without the extended header the flatbuffer must at least put its root table within the head.
            guard Int(root) + 4 <= h.count else { return .notMine }
        }
        return .found(Detection(format: id, category: .modelWeights, label: "ExecuTorch program (.pte)", summary: s, problems: problems))
    }
}
