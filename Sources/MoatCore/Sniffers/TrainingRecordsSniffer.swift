/// JSONL and JSON training sets: one record per line (`train.jsonl`) or an array of records
/// (`alpaca_data.json`) whose objects have the shape of training data: chat `messages` with
/// `role`/`content`, ShareGPT `conversations` with `from`/`value`, `prompt`/`completion`,
/// `instruction`/`output`, `chosen`/`rejected`, `question`/`answer`, or a pretraining `text`.
///
/// Recognition (text, so it runs before `TextSniffer`): at least `minimumBytes`; every complete
/// record in the head parses as a JSON object; at least `minimumRecords` of them, and 90% share one
/// of those shapes. Config files (one object), logs and other JSON are not training sets.
/// Summary: the shape and the number of records (exact when the whole file is in the head,
/// otherwise estimated from the head's average record size).
public struct TrainingRecordsSniffer: Sniffer {
    public let id = "training-records"
    public init() {}

    /// Smaller files are examples, not training sets (documented in the README).
    public static let minimumBytes = 16 * 1024
    static let minimumRecords = 3
    static let maxNodesPerRecord = 4_096

    enum Shape: String, CaseIterable {
        case chat = "chat records (messages: role/content)"
        case shareGPT = "conversation records (from/value)"
        case preference = "preference records (chosen/rejected)"
        case promptCompletion = "prompt/completion records"
        case instruction = "instruction/output records"
        case questionAnswer = "question/answer records"
        case text = "text records"
    }

    struct Records {
        var shapes: [Shape?] = []
        /// Bytes of the head the complete records span.
        var spanned = 0
        /// The records seen are all there are.
        var complete = false
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size >= TrainingRecordsSniffer.minimumBytes else { return .notMine }
        let h = input.head
        var i = h.has([0xEF, 0xBB, 0xBF], at: 0) ? 3 : 0
        while i < h.count, h[i] == 0x20 || h[i] == 0x0A || h[i] == 0x0D || h[i] == 0x09 { i += 1 }
        guard i < h.count else { return .notMine }
        let whole = h.count == input.size
        let records: Records?
        let jsonl = h[i] == UInt8(ascii: "{")
        switch h[i] {
        case UInt8(ascii: "{"): records = TrainingRecordsSniffer.lines(h, from: i, whole: whole)
        case UInt8(ascii: "["): records = TrainingRecordsSniffer.array(h, from: i + 1, whole: whole)
        default: return .notMine
        }
        guard let r = records, r.shapes.count >= TrainingRecordsSniffer.minimumRecords, r.spanned > 0 else { return .notMine }
        var tally: [Shape: Int] = [:]
        for case let s? in r.shapes { tally[s, default: 0] += 1 }
        guard let (shape, n) = tally.max(by: { $0.value < $1.value }), n * 10 >= r.shapes.count * 9 else { return .notMine }

        var s = ArtifactSummary()
        let count: String
        if r.complete {
            count = DatasetFacts.count(r.shapes.count, "record")
            s.addDetail("records", String(r.shapes.count))
        } else {
            // Estimated: the head's records are a sample of the file's.
            let estimate = Int((Double(input.size) / Double(r.spanned) * Double(r.shapes.count)).rounded())
            count = "about " + FindingMessage.count(estimate) + " records (estimated)"
            s.addDetail("records_estimated", String(estimate))
        }
        s.addNote(count)
        s.addNote(shape.rawValue)
        var d = Detection(format: jsonl ? "jsonl" : "json-records", category: .dataset,
                          label: jsonl ? "JSONL training set" : "JSON training set", summary: s)
        d.isText = true
        return .found(d)
    }

    /// One object per line from `start`; nil when a complete line is not a JSON object.
    static func lines(_ h: [UInt8], from start: Int, whole: Bool) -> Records? {
        var r = Records()
        var p = start
        while p < h.count {
            let end = h[p...].firstIndex(of: 0x0A) ?? h.count
            if end == h.count, !whole { break }  // the head cuts this line
            var s = JSONScanner(b: h, i: p, end: end, maxNodes: maxNodesPerRecord)
            s.skipSpace()
            if s.i < end {
                guard h[s.i] == UInt8(ascii: "{"), let v = s.value(depth: 0) else { return nil }
                s.skipSpace()
                guard s.i == end else { return nil }
                r.shapes.append(shape(v))
            }
            r.spanned = min(end + 1, h.count)
            p = end + 1
        }
        r.complete = whole
        return r
    }

    /// The elements of a JSON array opened before `start`; nil when one is not an object.
    static func array(_ h: [UInt8], from start: Int, whole: Bool) -> Records? {
        var r = Records()
        var s = JSONScanner(b: h, i: start, end: h.count, maxNodes: maxNodesPerRecord)
        while true {
            s.skipSpace()
            guard s.i < s.end else { return r }
            if h[s.i] == UInt8(ascii: "]"), r.shapes.isEmpty { return nil }
            guard h[s.i] == UInt8(ascii: "{") else { return nil }
            s.nodes = maxNodesPerRecord
            guard let v = s.value(depth: 1) else { return whole ? nil : r }  // cut by the head
            r.shapes.append(shape(v))
            r.spanned = s.i
            s.skipSpace()
            guard s.i < s.end else { return r }
            if h[s.i] == UInt8(ascii: ",") { s.i += 1; continue }
            guard h[s.i] == UInt8(ascii: "]") else { return nil }
            r.complete = whole
            return r
        }
    }

    /// The training shape of one record, if it has one.
    static func shape(_ v: JSONValue) -> Shape? {
        guard let m = v.members else { return nil }
        func has(_ k: String) -> Bool { m.contains { $0.0 == k } }
        if let turns = (v["messages"] ?? v["conversations"] ?? v["conversation"])?.array, let first = turns.first {
            if first["role"] != nil, first["content"] != nil { return .chat }
            if first["from"] != nil, first["value"] != nil { return .shareGPT }
        }
        if has("chosen"), has("rejected") { return .preference }
        if has("prompt"), has("completion") || has("response") { return .promptCompletion }
        if has("instruction"), has("output") || has("response") { return .instruction }
        if has("question") || has("query"), has("answer") || has("answers") || has("response") { return .questionAnswer }
        if let t = v["text"]?.string, m.count <= 4, t.utf8.count >= 16 { return .text }
        return nil
    }
}
