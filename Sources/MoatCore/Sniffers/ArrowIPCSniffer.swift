/// Apache Arrow IPC (source: arrow/format/Message.fbs, Schema.fbs, columnar.rst "IPC"):
/// - the file format (`.arrow`, Feather v2 `.feather`): `ARROW1` + 2 padding bytes, an IPC stream,
///   a footer, and `ARROW1` at the end;
/// - the stream format (`.arrows`, and Hugging Face `datasets` shards `data-00000-of-00001.arrow`,
///   written by `RecordBatchStreamWriter`, so without the magic): messages, each the continuation
///   marker `FF FF FF FF`, an i32 metadata length (a multiple of 8), a flatbuffer `Message`, then
///   `bodyLength` bytes of body; the first message is the `Schema`.
///
/// Recognition: that first message parses as a `Message` of metadata version V1-V5 holding a
/// `Schema` table with a fields vector. Summary: columns (and their names) from the schema, rows
/// from the `RecordBatch` messages, walked header to header (the bodies are skipped, never read),
/// at most `maxMessages` (past them rows are estimated from the bytes they span); Hugging Face
/// `datasets` shards are named by the `huggingface` schema metadata key. Pre-0.15 streams (no
/// continuation marker) and Feather v1 are not recognised.
public struct ArrowIPCSniffer: Sniffer {
    public let id = "arrow-ipc"
    public init() {}

    static let fileMagic = ascii("ARROW1")
    static let continuation: UInt32 = 0xFFFF_FFFF
    /// Largest message metadata read (a schema of many thousands of fields).
    static let maxMetadataBytes = 16 << 20
    /// Messages walked at most when counting rows (one small read each); past them rows are estimated.
    static let maxMessages = 4_096

    /// One message header: what it holds and where the next one starts.
    struct Message {
        var headerType: UInt8
        /// The header table inside `fb`.
        var header: Int
        var fb: FlatBuffer
        var next: Int
    }

    enum Step {
        case message(Message)
        case end
        case unreadable
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        let isFile = h.has(ArrowIPCSniffer.fileMagic, at: 0) && h.count >= 8 && h[6] == 0 && h[7] == 0
        let start = isFile ? 8 : 0
        guard input.size >= start + 16, h.u32le(start) == ArrowIPCSniffer.continuation,
              case .message(let schema) = ArrowIPCSniffer.message(input, at: start), schema.headerType == 1,
              let fields = schema.fb.vector(schema.header, 1, elementSize: 4) else { return .notMine }

        var s = ArtifactSummary()
        var names: [String] = []
        for k in 0..<min(fields.count, 64) {
            guard let f = schema.fb.element(fields, k) else { break }
            names.append(schema.fb.text(f, 0) ?? "")
        }
        var metadataKeys: Set<String> = []
        if let kvs = schema.fb.vector(schema.header, 2, elementSize: 4) {
            for k in 0..<min(kvs.count, 64) {
                if let kv = schema.fb.element(kvs, k), let key = schema.fb.string(kv, 0) { metadataKeys.insert(key) }
            }
        }

        // Rows: the RecordBatch messages' `length`, summed up to the end-of-stream marker.
        var rows = 0, batches = 0, exact = false, capped = false, p = schema.next
        walk: for k in 0...ArrowIPCSniffer.maxMessages {
            if p == input.size { exact = true; break }
            if k == ArrowIPCSniffer.maxMessages { capped = true; break }
            switch ArrowIPCSniffer.message(input, at: p) {
            case .end: exact = true; break walk
            case .unreadable: break walk
            case .message(let m):
                if m.headerType == 3 {
                    batches += 1
                    guard let raw = m.fb.u64Field(m.header, 0), let n = Int(exactly: Int64(bitPattern: raw)), n >= 0 else { break walk }
                    rows = saturatingAdd(rows, n)
                }
                p = m.next
            }
        }
        var problems: [String] = []
        if isFile, let tail = input.bytes(at: input.size - 6, count: 6), tail.count == 6, tail != ArrowIPCSniffer.fileMagic {
            problems.append("no footer: truncated or not closed")
        }
        if let t = DatasetFacts.table(rows: exact ? rows : nil, columns: fields.count) { s.addNote(t) }
        if !exact, capped, let estimate = DatasetFacts.estimate(rows, spanning: p - start, of: input.size - start) {
            s.addNote("about " + FindingMessage.count(estimate) + " rows (estimated)")
            s.addDetail("rows_estimated", String(estimate))
        } else if !exact, rows > 0 {
            s.addNote("at least " + DatasetFacts.count(rows, "row"))
        }
        s.addDetail("columns", String(fields.count))
        if exact { s.addDetail("rows", String(rows)) }
        s.addDetail("record_batches", String(batches) + (exact ? "" : "+"))
        if !names.isEmpty { s.addDetail("column_names", DatasetFacts.names(names)) }
        let hf = metadataKeys.contains("huggingface")
        if metadataKeys.contains("pandas") { s.addNote("pandas schema") }
        let label = hf ? "Hugging Face datasets Arrow shard" : isFile ? "Arrow IPC file (Feather v2)" : "Arrow IPC stream"
        return .found(Detection(format: isFile ? "arrow-file" : "arrow-stream", category: .dataset, label: label, summary: s, problems: problems))
    }

    /// The message at `p`: continuation marker, metadata length, `Message` flatbuffer (version
    /// V1-V5, a header table), body length; `.end` at the end-of-stream marker.
    static func message(_ input: SniffInput, at p: Int) -> Step {
        guard let pre = input.bytes(at: p, count: 8), pre.count == 8, pre.u32le(0) == continuation, let raw = pre.u32le(4) else { return .unreadable }
        let len = Int(Int32(bitPattern: raw))
        if len == 0 { return .end }
        guard len > 0, len % 8 == 0, len <= maxMetadataBytes, len <= input.size - p - 8,
              let meta = input.bytes(at: p + 8, count: len), meta.count == len, let root = meta.u32le(0) else { return .unreadable }
        let fb = FlatBuffer(RandomReader(bytes: meta))
        guard let msg = fb.table(Int(root)), (fb.field(msg, 0).flatMap({ fb.r.u16($0) }) ?? 0) <= 4,
              let type = fb.u8Field(msg, 1), (1...5).contains(type),
              let hp = fb.field(msg, 2), let rel = fb.r.u32(hp), let header = fb.table(hp + Int(rel)) else { return .unreadable }
        let body = fb.u64Field(msg, 3).map { Int64(bitPattern: $0) } ?? 0
        guard body >= 0, let next = checkedSum(p + 8 + len, Int(body)), next <= input.size else { return .unreadable }
        return .message(Message(headerType: type, header: header, fb: fb, next: next))
    }
}
