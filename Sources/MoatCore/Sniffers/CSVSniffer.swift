/// Delimited tables (CSV, TSV, `;`- or `|`-separated) of at least `minimumBytes`: smaller ones are
/// fixtures, lookup tables and results people keep in git on purpose.
///
/// Recognition (text, so it runs before `TextSniffer`): the head is text, and over its complete
/// records (split on line ends outside double quotes) one delimiter gives the same field count,
/// at least 2, in 95% of at least `minimumRecords` records, most of them neither indented nor
/// ending with the delimiter (the rows of a C array in a header file do both). Source code, prose
/// and logs do not keep a constant field count. Summary: columns, the header's names when the first record has
/// no number in it, and rows estimated from the head's average record size (the file is not read).
public struct CSVSniffer: Sniffer {
    public let id = "csv"
    public init() {}

    /// Documented in the README: the size from which a delimited table is a dataset.
    public static let minimumBytes = 256 * 1024
    static let minimumRecords = 20
    static let delimiters: [UInt8] = [UInt8(ascii: ","), 0x09, UInt8(ascii: ";"), UInt8(ascii: "|")]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard input.size >= CSVSniffer.minimumBytes, let first = h.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D }),
              ![UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "<"), UInt8(ascii: "#")].contains(first),
              TextSniffer.looksLikeText(h.prefix(8192)), !h.has([0xFF, 0xFE], at: 0), !h.has([0xFE, 0xFF], at: 0) else { return .notMine }
        // Per record, the field count for each candidate delimiter.
        var counts: [[Int]] = []
        var current = [Int](repeating: 1, count: CSVSniffer.delimiters.count)
        var inQuotes = false, spanned = 0, recordStart = 0
        var firstRecord: Range<Int>?
        // Records ending with each delimiter, and records indented: rows of a C array or other code.
        var trailing = [Int](repeating: 0, count: CSVSniffer.delimiters.count), indented = 0
        for (i, b) in h.enumerated() {
            if b == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
            if inQuotes { continue }
            if b == 0x0A {
                if i > recordStart + 1 || (i > recordStart && h[recordStart] != 0x0D) {
                    counts.append(current)
                    if firstRecord == nil { firstRecord = recordStart..<i }
                    if h[recordStart] == 0x20 || h[recordStart] == 0x09 { indented += 1 }
                    var last = i - 1
                    while last > recordStart, h[last] == 0x0D || h[last] == 0x20 { last -= 1 }
                    if let k = CSVSniffer.delimiters.firstIndex(of: h[last]) { trailing[k] += 1 }
                }
                current = [Int](repeating: 1, count: CSVSniffer.delimiters.count)
                spanned = i + 1
                recordStart = i + 1
                continue
            }
            for (k, d) in CSVSniffer.delimiters.enumerated() where b == d { current[k] += 1 }
        }
        guard counts.count >= CSVSniffer.minimumRecords, indented * 2 < counts.count else { return .notMine }
        var best: (delimiter: Int, columns: Int)?
        for k in CSVSniffer.delimiters.indices {
            var tally: [Int: Int] = [:]
            for c in counts { tally[c[k], default: 0] += 1 }
            guard let (columns, n) = tally.max(by: { $0.value < $1.value }), columns >= 2, n * 100 >= counts.count * 95,
                  trailing[k] * 2 < counts.count else { continue }
            if best.map({ columns > $0.columns }) ?? true { best = (k, columns) }
        }
        guard let (k, columns) = best else { return .notMine }

        var s = ArtifactSummary()
        let rows = Int((Double(input.size) / Double(max(spanned, 1)) * Double(counts.count)).rounded())
        s.addNote(DatasetFacts.count(columns, "column") + ", about " + FindingMessage.count(rows) + " rows (estimated)")
        s.addDetail("columns", String(columns))
        s.addDetail("rows_estimated", String(rows))
        s.addDetail("delimiter", ["comma", "tab", "semicolon", "pipe"][k])
        if let r = firstRecord, let names = CSVSniffer.headerNames(h[r], delimiter: CSVSniffer.delimiters[k]) {
            s.addDetail("column_names", DatasetFacts.names(names))
        }
        var d = Detection(format: id, category: .dataset, label: k == 1 ? "TSV table" : "CSV table", summary: s)
        d.isText = true
        return .found(d)
    }

    /// The first record's fields when none is a number (a header row), else nil.
    static func headerNames(_ record: ArraySlice<UInt8>, delimiter: UInt8) -> [String]? {
        let fields = record.split(separator: delimiter, omittingEmptySubsequences: false).map {
            DisplayText.decode($0.filter { $0 != UInt8(ascii: "\"") && $0 != 0x0D }).trimmingSpaces
        }
        guard fields.allSatisfy({ !$0.isEmpty && Double($0) == nil }) else { return nil }
        return fields
    }
}
