/// LightGBM text models (`Booster.save_model`, `model.txt`; source: LightGBM `gbdt_model_text.cpp`).
///
/// The file starts `tree\nversion=v<N>\n` and a header of `key=value` lines (`num_class`,
/// `max_feature_idx`, `objective`, `feature_names`, `tree_sizes`) ends at the first blank line;
/// `tree_sizes` lists one byte size per tree, so the header alone counts the trees. The header is
/// read up to 1 MiB (`feature_infos` grows with the features).
public struct LightGBMSniffer: Sniffer {
    public let id = "lightgbm"
    public init() {}

    static let maxHeader = 1 << 20

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.has(ascii("tree\nversion=v"), at: 0) || h.has(ascii("tree\r\nversion=v"), at: 0) else { return .notMine }
        let bytes = h.count >= LightGBMSniffer.maxHeader || h.count == input.size ? h : (input.prefix(LightGBMSniffer.maxHeader) ?? h)
        var fields: [String: [UInt8]] = [:]
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropFirst().prefix(64) {
            guard !line.isEmpty, line != [0x0D] else { break }
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            fields[String(decoding: line[line.startIndex..<eq], as: UTF8.self)] = Array(line[(eq + 1)...])
        }
        guard fields["max_feature_idx"] != nil || fields["num_class"] != nil || fields["tree_sizes"] != nil else { return .notMine }
        var s = ArtifactSummary()
        if let sizes = fields["tree_sizes"] {
            let n = sizes.split(separator: 0x20).count
            s.addDetail("trees", String(n))
            s.addNote("\(FindingMessage.count(n)) trees")
        }
        if let f = fields["max_feature_idx"].flatMap({ Int(String(decoding: $0, as: UTF8.self).trimmingSpace) }), f >= 0, f < Int.max {
            s.addDetail("features", String(f + 1))
            s.addNote("\(FindingMessage.count(f + 1)) features")
        }
        if let o = fields["objective"] {
            let name = DisplayText.decode(o.prefix(128)).trimmingSpace
            s.addDetail("objective", name)
            s.addNote(name)
        }
        if let v = fields["version"] { s.addDetail("version", DisplayText.decode(v.prefix(16)).trimmingSpace) }
        return .found(Detection(format: id, category: .modelWeights, label: "LightGBM model (text)", summary: s))
    }
}

extension String {
    /// Without leading and trailing ASCII spaces, tabs and carriage returns.
    var trimmingSpace: String {
        let u = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let a = u.firstIndex(where: { !isSpace($0) }), let b = u.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: u[a...b], as: UTF8.self)
    }
}
