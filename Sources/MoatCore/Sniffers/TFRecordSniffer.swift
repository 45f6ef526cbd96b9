import MoatBytes

/// TFRecord files (source: tensorflow `core/lib/io/record_writer.h`), plain or GZIP/ZLIB-compressed:
/// records of `u64 length | u32 masked CRC-32C of the length | data | u32 masked CRC-32C of the data`.
/// No magic: a record header's CRC matches by chance once in 2^32, and the first records' data CRCs
/// are checked too.
///
/// Plain files are walked header to header (data skipped), at most `maxRecords` (past them the
/// count is estimated from the bytes they span); compressed ones
/// are inflated up to `maxInflated` bytes (`CompressedPrefix`) and counted within that prefix.
/// Payloads starting like a `tf.train.Example` (Features map) are named.
public struct TFRecordSniffer: Sniffer {
    public let id = "tfrecord"
    public init() {}

    /// Record headers read at most (one small read each); past them the count is estimated.
    static let maxRecords = 4_096
    /// Records whose data CRC is verified (each at most `maxVerifiedRecord` bytes).
    static let verifiedRecords = 3
    static let maxVerifiedRecord = 4 << 20
    static let maxCompressedRead = 256 << 10
    static let maxInflated = 1 << 20

    struct Walk {
        var records = 0
        /// The walk reached the end exactly after the last record.
        var complete = false
        var example = false
        /// Where the walk stopped.
        var end = 0
        /// The walk stopped at `maxRecords`, not at damage.
        var capped = false
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size >= 16 else { return .notMine }
        if let walk = TFRecordSniffer.walk(size: input.size, read: { input.bytes(at: $0, count: $1) }) {
            return found(walk, compressed: false, size: input.size)
        }
        // A cheap look at the first record header before inflating more.
        guard let peek = CompressedPrefix.peek(input, count: 12), peek.count == 12, let crc = peek.u32le(8),
              CRC32C.masked(peek[0..<8]) == crc else { return .notMine }
        guard let (plain, complete) = CompressedPrefix.inflate(input, inputBytes: TFRecordSniffer.maxCompressedRead, limit: TFRecordSniffer.maxInflated),
              plain.count >= 16 else { return .notMine }
        // The inflated prefix may end inside a record: only what lies within it is walked.
        guard var walk = TFRecordSniffer.walk(size: plain.count, read: { off, n in
            off <= plain.count ? Array(plain[off..<min(plain.count, off + n)]) : nil
        }, partialTail: !complete) else { return .notMine }
        if !complete { walk.complete = false; walk.capped = false }
        return found(walk, compressed: true, size: input.size)
    }

    func found(_ w: Walk, compressed: Bool, size: Int) -> SniffResult {
        var s = ArtifactSummary()
        let records = DatasetFacts.count(w.records, "record")
        if w.complete {
            s.addNote(records)
        } else if w.capped, let estimate = DatasetFacts.estimate(w.records, spanning: w.end, of: size) {
            s.addNote("about " + FindingMessage.count(estimate) + " records (estimated)")
            s.addDetail("records_estimated", String(estimate))
        } else {
            s.addNote(compressed ? "at least \(records) in the first \(FindingMessage.bytes(TFRecordSniffer.maxInflated)) inflated" : "at least \(records)")
        }
        if w.example { s.addNote("tf.train.Example") }
        if compressed { s.addNote("compressed") }
        if w.complete { s.addDetail("records", String(w.records)) }
        return .found(Detection(format: id, category: .dataset, label: "TFRecord dataset", summary: s))
    }

    /// Walks records through `read` over `size` bytes. Nil unless the first record's header CRC
    /// matches, and its data CRC too when its data lies within `maxVerifiedRecord` and the bytes.
    /// `partialTail`: the bytes stop early (an inflated prefix), so a record cut there ends the walk
    /// without ending the count.
    static func walk(size: Int, read: (Int, Int) -> [UInt8]?, partialTail: Bool = false) -> Walk? {
        var w = Walk()
        var p = 0
        while true {
            if p == size { w.complete = true; break }
            if w.records == maxRecords { w.capped = true; break }
            guard size - p >= 12, let hdr = read(p, 12), hdr.count == 12, let raw = hdr.u64le(0), let crc = hdr.u32le(8),
                  CRC32C.masked(hdr[0..<8]) == crc else { break }
            guard raw <= UInt64(size - p - 16) else {
                // The first record runs past the bytes at hand: its header CRC alone vouches for it.
                if w.records == 0, partialTail { w.records = 1 }
                break
            }
            let len = Int(raw)
            if w.records < verifiedRecords, len <= maxVerifiedRecord {
                guard let data = read(p + 12, len + 4), data.count == len + 4, let dcrc = data.u32le(len),
                      CRC32C.masked(data[0..<len]) == dcrc else { break }
                if w.records == 0 { w.example = isExample(Array(data[0..<len])) }
            }
            w.records += 1
            p += 12 + len + 4
        }
        w.end = p
        return w.records > 0 ? w : nil
    }

    /// A `tf.train.Example`: field 1 (`features`) spanning the whole payload, whose first field is
    /// again field 1 (a `feature` map entry).
    static func isExample(_ d: [UInt8]) -> Bool {
        guard d.count >= 4, d[0] == 0x0A, let (n, q) = ProtoWalk.varint(d, 1), n == UInt64(d.count - q) else { return false }
        return q < d.count && d[q] == 0x0A
    }
}
