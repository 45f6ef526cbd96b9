/// Apache Parquet (source: apache/parquet-format): `PAR1` at the start and at the end; the four
/// bytes before the trailing magic are the length of the Thrift-compact `FileMetaData` footer
/// (schema, row count, row groups, key-value metadata).
///
/// Recognition: the head magic and either a footer that parses (read through the bounded reader,
/// at most `maxFooterBytes`, never by a length beyond the real size) or, when the tail is out of
/// reach (a big packed blob read as a stream), the first column chunk's page header right after
/// the magic. Summary: rows × top-level columns, their names, the writer, pandas / Hugging Face
/// schema metadata. Encrypted footers (`PARE`) are recognised by their magics alone.
public struct ParquetSniffer: Sniffer {
    public let id = "parquet"
    public init() {}

    static let magic = ascii("PAR1")
    static let encryptedMagic = ascii("PARE")
    /// Footer bytes read at most: a schema of thousands of columns and their row-group statistics fit.
    static let maxFooterBytes = 4 << 20
    /// Schema elements kept (a wider schema is counted from the root's child count).
    static let maxSchemaElements = 100_000

    struct Footer {
        var version: Int64?
        var rows: Int?
        var columns: Int?
        var names: [String] = []
        var rowGroups: Int?
        var metadataKeys: [String] = []
        var createdBy: String?
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard input.size >= 12 else { return .notMine }
        if h.has(ParquetSniffer.encryptedMagic, at: 0) { return encrypted(input) }
        guard h.has(ParquetSniffer.magic, at: 0) else { return .notMine }
        let pageFollows = ParquetSniffer.pageHeaderFollows(h)
        var problems: [String] = []
        var notes: [String] = []
        var footer: Footer?
        if let tail = input.bytes(at: input.size - 8, count: 8), tail.count == 8 {
            if tail.has(ParquetSniffer.magic, at: 4), let raw = tail.u32le(0), raw > 0, Int(raw) <= input.size - 12 {
                let len = Int(raw)
                if let bytes = input.bytes(at: input.size - 8 - len, count: min(len, ParquetSniffer.maxFooterBytes)) {
                    footer = ParquetSniffer.parseFooter(bytes)
                }
                if footer == nil { problems.append("footer does not parse") }
            } else {
                problems.append("no footer: truncated or not closed")
            }
        } else {
            notes.append("footer not read (beyond the bytes read)")
        }
        guard footer != nil || pageFollows else { return .notMine }

        var s = ArtifactSummary()
        if let f = footer {
            if let t = DatasetFacts.table(rows: f.rows, columns: f.columns) { s.addNote(t) }
            if f.metadataKeys.contains("huggingface") { s.addNote("Hugging Face datasets schema") }
            else if f.metadataKeys.contains("pandas") { s.addNote("pandas schema") }
            if let r = f.rows { s.addDetail("rows", String(r)) }
            if let c = f.columns { s.addDetail("columns", String(c)) }
            if !f.names.isEmpty { s.addDetail("column_names", DatasetFacts.names(f.names)) }
            if let g = f.rowGroups { s.addDetail("row_groups", String(g)) }
            if let w = f.createdBy { s.addDetail("created_by", w) }
        }
        for n in notes { s.addNote(n) }
        return .found(Detection(format: id, category: .dataset, label: "Parquet dataset", summary: s, problems: problems))
    }

    /// Encrypted-footer Parquet: `PARE` at both ends (nothing else is readable without the key).
    func encrypted(_ input: SniffInput) -> SniffResult {
        guard let tail = input.bytes(at: input.size - 4, count: 4), tail == ParquetSniffer.encryptedMagic else { return .notMine }
        var s = ArtifactSummary()
        s.addNote("encrypted footer")
        return .found(Detection(format: id, category: .dataset, label: "Parquet dataset", summary: s))
    }

    /// Whether a Thrift `PageHeader` follows the head magic: field 1 `type` (DATA_PAGE, INDEX_PAGE,
    /// DICTIONARY_PAGE or DATA_PAGE_V2), then the uncompressed and compressed sizes, both positive.
    static func pageHeaderFollows(_ h: [UInt8]) -> Bool {
        var t = ThriftCompact(h, at: 4, budget: 16)
        var last: Int16 = 0
        var failed = false
        guard let f1 = t.field(after: &last, failed: &failed), f1.id == 1, f1.type == .i32, let type = t.zigzag(), (0...3).contains(type),
              let f2 = t.field(after: &last, failed: &failed), f2.id == 2, f2.type == .i32, let u = t.zigzag(), u >= 0,
              let f3 = t.field(after: &last, failed: &failed), f3.id == 3, f3.type == .i32, let c = t.zigzag(), c >= 0 else { return false }
        return u <= Int64(Int32.max) && c <= Int64(Int32.max)
    }

    /// `FileMetaData`: 1 version, 2 schema, 3 num_rows, 4 row_groups, 5 key_value_metadata, 6 created_by.
    static func parseFooter(_ bytes: [UInt8]) -> Footer? {
        var t = ThriftCompact(bytes)
        var f = Footer()
        var names: [String] = []
        var children: [Int] = []
        var last: Int16 = 0
        var failed = false
        var schemaSeen = false
        while let (id, type) = t.field(after: &last, failed: &failed) {
            switch (id, type) {
            case (1, .i32):
                f.version = t.zigzag()
            case (2, .list):
                guard let (n, et) = t.listHeader(), et == .structure else { return nil }
                for k in 0..<n {
                    guard let (name, kids) = schemaElement(&t) else { return nil }
                    if k < maxSchemaElements {
                        names.append(name)
                        children.append(kids)
                    }
                }
                schemaSeen = n > 0
            case (3, .i64):
                guard let r = t.zigzag(), r >= 0 else { return nil }
                f.rows = Int(exactly: r)
            case (4, .list):
                guard let (n, et) = t.listHeader(), et == .structure else { return nil }
                for _ in 0..<n where !t.skip(.structure) { return f.finished(names, children, schemaSeen) }
                f.rowGroups = n
            case (5, .list):
                guard let (n, et) = t.listHeader(), et == .structure else { return nil }
                for _ in 0..<n {
                    guard let key = keyValueKey(&t) else { return f.finished(names, children, schemaSeen) }
                    if f.metadataKeys.count < 64 { f.metadataKeys.append(key) }
                }
            case (6, .binary):
                f.createdBy = t.binary().map(DisplayText.decode)
            default:
                // Past the bytes read (a footer over `maxFooterBytes`): keep what was read.
                guard t.skip(type) else { return f.finished(names, children, schemaSeen) }
            }
        }
        // A footer cut at `maxFooterBytes` stops mid-way: what was read before still counts.
        return f.finished(names, children, schemaSeen)
    }

    /// Name (4) and num_children (5) of a `SchemaElement`.
    static func schemaElement(_ t: inout ThriftCompact) -> (String, Int)? {
        var last: Int16 = 0
        var failed = false
        var name = "", kids = 0
        while let (id, type) = t.field(after: &last, failed: &failed) {
            if id == 4, type == .binary, let b = t.binary(limit: 256) { name = DisplayText.decode(b); continue }
            if id == 5, type == .i32, let n = t.zigzag() { guard n >= 0, n <= Int64(Int32.max) else { return nil }; kids = Int(n); continue }
            guard t.skip(type) else { return nil }
        }
        return failed ? nil : (name, kids)
    }

    /// The key (1) of a `KeyValue`.
    static func keyValueKey(_ t: inout ThriftCompact) -> String? {
        var last: Int16 = 0
        var failed = false
        var key = ""
        while let (id, type) = t.field(after: &last, failed: &failed) {
            if id == 1, type == .binary, let b = t.binary(limit: 256) { key = DisplayText.decode(b); continue }
            guard t.skip(type) else { return nil }
        }
        return failed ? nil : key
    }
}

extension ParquetSniffer.Footer {
    /// The footer with columns from the schema tree (the root's children, in order); nil when it
    /// does not look like a Parquet footer (no version, no schema, or no row count).
    func finished(_ names: [String], _ children: [Int], _ schemaSeen: Bool) -> ParquetSniffer.Footer? {
        guard let v = version, (1...2).contains(v), schemaSeen, !children.isEmpty, rows != nil else { return nil }
        var f = self
        f.columns = children[0]
        // Top-level fields: each subtree is one element plus its children's subtrees.
        var i = 1
        for _ in 0..<min(children[0], 64) {
            guard i < names.count else { break }
            f.names.append(names[i])
            var pending = 1
            while pending > 0, i < children.count {
                pending += children[i] - 1
                i += 1
            }
        }
        return f
    }
}
