/// CatBoost binary models (`save_model`, `.cbm`; source: catboost `libs/model/model.cpp`,
/// `flatbuffers/model.fbs`).
///
/// `CBM1`, a u32 little-endian size of the model core, then the core: a flatbuffer whose root
/// table carries the format version string `FlabuffersModel_v1` near its start. Recognition: the
/// magic, a core size that fits, the flatbuffer's root offset inside the core, and that version
/// string in the core's first 4 KiB. The training parameters (JSON after the core) name the loss.
public struct CatBoostSniffer: Sniffer {
    public let id = "catboost"
    public init() {}

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.has(ascii("CBM1"), at: 0), let core = h.u32le(4), core >= 16, Int(core) <= input.size - 8,
              let root = h.u32le(8), root >= 4, root < core,
              h[8..<min(h.count, 8 + min(Int(core), 4096))].contains(ascii("FlabuffersModel_")) else { return .notMine }
        var s = ArtifactSummary()
        s.addDetail("core_bytes", String(core))
        if let at = h.firstRange(of: ascii("FlabuffersModel_")) {
            let v = h[at..<min(h.count, at + 24)].prefix { $0 >= 0x21 && $0 < 0x7F }
            s.addDetail("format", String(decoding: v, as: UTF8.self))
        }
        if let at = h.firstRange(of: ascii("\"loss_function\":{\"type\":\"")) {
            let start = at + 25
            let name = h[start..<min(h.count, start + 64)].prefix { $0 != UInt8(ascii: "\"") }
            s.addNote(DisplayText.decode(name))
        }
        if let at = h.firstRange(of: ascii("\"iterations\":")) {
            let digits = h[(at + 13)..<min(h.count, at + 24)].prefix { $0 >= 0x30 && $0 <= 0x39 }
            if let n = Int(String(decoding: digits, as: UTF8.self)) { s.addNote("\(FindingMessage.count(n)) iterations") }
        }
        return .found(Detection(format: id, category: .modelWeights, label: "CatBoost model (cbm)", summary: s))
    }
}
