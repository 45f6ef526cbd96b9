/// LMDB data files (`data.mdb`; source: OpenLDAP `libraries/liblmdb/mdb.c`), used for image and
/// feature datasets (Caffe, many PyTorch pipelines).
///
/// Layout (64-bit builds): pages 0 and 1 are meta pages. Each starts with a 16-byte page header
/// (`mp_pgno` u64, `mp_pad` u16, `mp_flags` u16 with `P_META` = 0x08, bounds) and then `MDB_meta`:
/// `mm_magic` 0xBEEFC0DE, `mm_version` 1, address, map size, two `MDB_db` records of 48 bytes
/// (the free list, whose `md_pad` is the page size, then the main database, whose `md_entries`
/// counts its records), last page, transaction id. The meta with the higher transaction id is current.
/// Recognition: page 0's header and meta, a power-of-two page size, and page 1 at that offset
/// with the same magic. The lock file (`lock.mdb`) carries the magic at offset 0 and is not a dataset.
public struct LMDBSniffer: Sniffer {
    public let id = "lmdb"
    public init() {}

    static let magic: UInt32 = 0xBEEF_C0DE
    static let metaFlag: UInt16 = 0x08

    struct Meta {
        var pageSize: Int
        var entries: UInt64
        var depth: UInt16
        var txnid: UInt64
        var lastPage: UInt64
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size >= 2 * 512, let m0 = LMDBSniffer.meta(input.head, page: 0) else { return .notMine }
        guard let page1 = input.bytes(at: m0.pageSize, count: 160), let m1 = LMDBSniffer.meta(page1, page: 1),
              m1.pageSize == m0.pageSize else { return .notMine }
        let current = m1.txnid > m0.txnid ? m1 : m0
        var s = ArtifactSummary()
        if let n = Int(exactly: current.entries) {
            s.addNote(DatasetFacts.count(n, "entry", "entries"))
            s.addDetail("entries", String(n))
        }
        s.addDetail("page_size", String(current.pageSize))
        s.addDetail("btree_depth", String(current.depth))
        var problems: [String] = []
        let (pages, o) = Int(clamping: current.lastPage).addingReportingOverflow(1)
        if !o, let needed = checkedMul(pages, current.pageSize), needed > input.size {
            problems.append("truncated: \(pages) pages need \(FindingMessage.bytes(needed)), file has \(FindingMessage.bytes(input.size))")
        }
        return .found(Detection(format: id, category: .dataset, label: "LMDB database", summary: s, problems: problems))
    }

    /// The meta record of meta page `page` whose bytes start `b`.
    static func meta(_ b: [UInt8], page: UInt64) -> Meta? {
        guard b.count >= 152, b.u64le(0) == page, let flags = b.u16le(10), flags & metaFlag != 0,
              b.u32le(16) == magic, b.u32le(20) == 1, let psize = b.u32le(40), psize >= 512, psize <= 1 << 16, psize & (psize - 1) == 0,
              let entries = b.u64le(88 + 32), let depth = b.u16le(88 + 6), let last = b.u64le(136), let txn = b.u64le(144) else { return nil }
        return Meta(pageSize: Int(psize), entries: entries, depth: depth, txnid: txn, lastPage: last)
    }
}
