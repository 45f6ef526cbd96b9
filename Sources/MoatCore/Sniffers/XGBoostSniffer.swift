/// XGBoost models saved by `Booster.save_model` as JSON (`.json`) or UBJSON (`.ubj`, the default
/// since 2.1; source: xgboost `doc/tutorials/saving_model.rst`, the JSON model schema).
///
/// Both hold one object `{"learner": {..., "gradient_booster": {... "num_trees": "N" ...},
/// "learner_model_param": {"num_feature": "F" ...}, "objective": {"name": ...}}, "version": [...]}`.
/// Recognition: `learner` as the first key, `gradient_booster` in the head. Trees come from the
/// head (`gbtree_model_param` precedes the trees); features and objective from the last 64 KiB
/// (they follow the trees). Trees are data, not tensors: parameters stay unknown.
public struct XGBoostSniffer: Sniffer {
    public let id = "xgboost"
    public init() {}

    static let tailSize = 64 * 1024

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        let json: Bool
        if XGBoostSniffer.jsonStart(h) {
            json = true
        } else if XGBoostSniffer.ubjsonStart(h) {
            json = false
        } else {
            return .notMine
        }
        guard h.firstRange(of: ascii("gradient_booster")) != nil else { return .notMine }
        let tailStart = max(0, input.size - XGBoostSniffer.tailSize)
        let tail = tailStart < h.count ? h : (input.bytes(at: tailStart, count: XGBoostSniffer.tailSize) ?? [])
        func value(_ b: [UInt8], _ key: String) -> String? {
            json ? XGBoostSniffer.jsonString(b, key) : XGBoostSniffer.ubjsonString(b, key)
        }
        var s = ArtifactSummary()
        if let t = value(h, "num_trees"), let n = Int(t) {
            s.addDetail("trees", String(n))
            s.addNote("\(FindingMessage.count(n)) trees")
        }
        if let f = value(tail, "num_feature"), let n = Int(f) {
            s.addDetail("features", String(n))
            s.addNote("\(FindingMessage.count(n)) features")
        }
        // The last `objective` key (tree parameters may name one too) is the learner's.
        var objectiveAt: Int?
        while let at = tail.firstRange(of: ascii("objective"), from: (objectiveAt ?? -1) + 1) { objectiveAt = at }
        if let at = objectiveAt, let name = value(Array(tail[at...]), "name").map(DisplayText.escape) {
            s.addDetail("objective", name)
            s.addNote(name)
        }
        if let booster = value(h, "name").map(DisplayText.escape), ["gbtree", "gblinear", "dart"].contains(booster) { s.addDetail("booster", booster) }
        s.addDetail("encoding", json ? "JSON" : "UBJSON")
        return .found(Detection(format: id, category: .modelWeights, label: "XGBoost model (\(json ? "JSON" : "UBJSON"))", summary: s))
    }

    /// `{"learner":` with optional whitespace.
    static func jsonStart(_ h: [UInt8]) -> Bool {
        var i = 0
        func skipSpace() { while i < h.count, [0x20, 0x0A, 0x0D, 0x09].contains(h[i]) { i += 1 } }
        skipSpace()
        guard i < h.count, h[i] == UInt8(ascii: "{") else { return false }
        i += 1
        skipSpace()
        return h.has(ascii("\"learner\""), at: i)
    }

    /// `{` then the key `learner` with an integer length marker (`i U I l L`).
    static func ubjsonStart(_ h: [UInt8]) -> Bool {
        guard h.count > 16, h[0] == UInt8(ascii: "{"), let (n, p) = ubjsonInt(h, 1), n == 7 else { return false }
        return h.has(ascii("learner"), at: p)
    }

    /// A UBJSON integer (marker + big-endian value) at `p`: the value and the offset after it.
    static func ubjsonInt(_ b: [UInt8], _ p: Int) -> (Int, Int)? {
        guard p < b.count else { return nil }
        let width: Int
        switch b[p] {
        case UInt8(ascii: "i"), UInt8(ascii: "U"): width = 1
        case UInt8(ascii: "I"): width = 2
        case UInt8(ascii: "l"): width = 4
        case UInt8(ascii: "L"): width = 8
        default: return nil
        }
        guard p + 1 + width <= b.count else { return nil }
        var v = 0
        for k in 0..<width {
            guard v < 1 << 48 else { return nil }
            v = v << 8 | Int(b[p + 1 + k])
        }
        return (v, p + 1 + width)
    }

    /// The string value of the first `"key":"value"` in `b`.
    static func jsonString(_ b: [UInt8], _ key: String) -> String? {
        let k = Array("\"\(key)\":\"".utf8)
        guard let at = b.firstRange(of: k) else { return nil }
        let start = at + k.count
        guard let end = b[start...].prefix(256).firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: b[start..<end], as: UTF8.self)
    }

    /// The string value (`S` + length + bytes) after the first key `key` in UBJSON bytes.
    static func ubjsonString(_ b: [UInt8], _ key: String) -> String? {
        let k = Array(key.utf8)
        var from = 0
        while let at = b.firstRange(of: k, from: from) {
            from = at + 1
            let p = at + k.count
            guard p < b.count, b[p] == UInt8(ascii: "S"), let (n, q) = ubjsonInt(b, p + 1), n <= 256, q + n <= b.count else { continue }
            return String(decoding: b[q..<(q + n)], as: UTF8.self)
        }
        return nil
    }
}
