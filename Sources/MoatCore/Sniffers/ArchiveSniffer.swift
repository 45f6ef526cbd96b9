import MoatBytes

/// Weights inside a zip, a tar, or a gzip stream (`release/model.zip`, `checkpoint.tar.gz`,
/// `model.safetensors.gz`): the first members are looked inside within a byte budget and handed to
/// the header-based sniffers, and the first artifact found is reported with its inner format and
/// path. Zips that are a format of their own (torch, Keras, npz) are claimed earlier in the
/// registry; tar shards of samples are WebDataset's. zstd (`.zst`) is not decoded: moat links no
/// zstd library, so such files are recognised as compressed data only.
public struct ArchiveSniffer: Sniffer {
    public let id = "archive"
    public init() {}

    /// Members looked inside at most, and bytes of each and of all of them together.
    static let maxMembers = 64
    static let memberBytes = 4 << 20
    static let totalBytes = 16 << 20
    /// Compressed bytes read at most from a gzip stream.
    static let maxCompressedRead = 16 << 20

    /// Sniffers that judge a member by its header; statistical, text and container sniffers are left
    /// out (a member's prefix is not the whole file, and archives are not nested).
    static let inner: [any Sniffer] = SnifferRegistry.all.filter { s in
        !["archive", "lfs-pointer", "known-binary", "text", "csv", "training-records", "hf-dataset-metadata", "token-dump",
          "raw-tensor", "webdataset"].contains(s.id) && !s.id.hasPrefix("raw")
    }

    struct Member {
        var path: String
        var size: Int
        var bytes: [UInt8]
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        if h.has([0x50, 0x4B, 0x03, 0x04], at: 0), let zip = input.zip {
            var budget = ArchiveSniffer.totalBytes
            for e in zip.entries.prefix(ArchiveSniffer.maxMembers) where !e.nameString.hasSuffix("/") && e.uncompressedSize > 0 && budget > 0 {
                guard let bytes = zip.contentPrefix(of: e, in: input, limit: min(ArchiveSniffer.memberBytes, budget)) else { continue }
                budget -= bytes.count
                if let d = ArchiveSniffer.detect(Member(path: e.nameString, size: e.uncompressedSize, bytes: bytes), container: "zip") { return .found(d) }
            }
            return .notMine
        }
        if WebDatasetSniffer.header(h) != nil {
            return ArchiveSniffer.tar(size: input.size, container: "tar") { input.bytes(at: $0, count: $1) }.map { .found($0) } ?? .notMine
        }
        guard let peek = CompressedPrefix.peek(input, count: 512), !peek.isEmpty,
              let (plain, complete) = CompressedPrefix.inflate(input, inputBytes: ArchiveSniffer.maxCompressedRead, limit: ArchiveSniffer.totalBytes)
        else { return .notMine }
        if WebDatasetSniffer.header(plain) != nil {
            let found = ArchiveSniffer.tar(size: plain.count, container: "tar.gz") { off, n in
                off <= plain.count ? Array(plain[off..<min(plain.count, off + n)]) : nil
            }
            return found.map { .found($0) } ?? .notMine
        }
        // One compressed file: its name is the archive's without `.gz`; its size unknown unless all was inflated.
        var name = String(decoding: input.path.fileName, as: UTF8.self)
        if name.lowercased().hasSuffix(".gz") { name.removeLast(3) }
        let member = Member(path: name, size: complete ? plain.count : Int.max / 2, bytes: plain)
        return ArchiveSniffer.detect(member, container: "gzip").map { .found($0) } ?? .notMine
    }

    /// Walks tar headers (ustar; PAX `path` records and GNU long names honoured) and looks inside members.
    static func tar(size: Int, container: String, read: (Int, Int) -> [UInt8]?) -> Detection? {
        var p = 0, members = 0, budget = totalBytes
        var longName: String?
        while members < maxMembers * 4, budget > 0, let h = read(p, 512), h.count == 512, let (name, type, dataSize) = WebDatasetSniffer.header(h) {
            members += 1
            let data = p + 512
            let padded = dataSize % 512 == 0 ? dataSize : dataSize + (512 - dataSize % 512)
            guard let next = checkedSum(data, padded) else { return nil }
            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "L"):
                if let b = read(data, min(dataSize, 4096)) { longName = type == UInt8(ascii: "L") ? String(decoding: b.prefix { $0 != 0 }, as: UTF8.self) : paxPath(b) }
            case UInt8(ascii: "0"), 0:
                let n = min(dataSize, memberBytes, budget)
                if dataSize > 0, let bytes = read(data, n), !bytes.isEmpty {
                    budget -= bytes.count
                    if let d = detect(Member(path: longName ?? name, size: dataSize, bytes: bytes), container: container) { return d }
                }
                longName = nil
            default:
                longName = nil
            }
            guard next < size else { break }
            p = next
        }
        return nil
    }

    /// The `path=` record of a PAX extended header.
    static func paxPath(_ b: [UInt8]) -> String? {
        for line in b.split(separator: 0x0A) {
            let s = String(decoding: line, as: UTF8.self)
            if let r = s.range(of: " path=") { return String(s[r.upperBound...]) }
        }
        return nil
    }

    /// The first inner sniffer's artifact, restated as found inside `container`.
    static func detect(_ m: Member, container: String) -> Detection? {
        let input = SniffInput(path: PathBytes(Array(m.path.utf8)), source: PrefixByteSource(m.bytes, size: m.size))
        for s in inner {
            switch s.sniff(input) {
            case .notMine: continue
            case .benign: return nil
            case .found(var d):
                // Model artifacts only: a dataset inside an archive is the dataset sniffers' call.
                guard [.modelWeights, .trainingCheckpoint, .optimizerState, .gradients, .tensorDump].contains(d.category) else { return nil }
                let path = DisplayText.escape(m.path)
                d.summary.addDetail("inner_format", d.format)
                d.summary.addDetail("inner_path", path)
                d.summary.addNote("\(path) inside the \(container)")
                d.label = "\(d.label) inside a \(container) archive"
                d.format = "archive"
                d.problems = d.problems.map { "\(path): \($0)" }
                return d
            }
        }
        return nil
    }
}
