/// WebDataset shards (source: webdataset README, "The WebDataset Format"): POSIX tar files whose
/// members are the fields of samples, grouped consecutively by key: `000123.jpg`, `000123.cls`,
/// `000123.json`, then `000124.*` (the key is the path up to the first dot of the file name).
/// Plain or gzip-compressed (`shard-000000.tar.gz`: a bounded prefix is inflated).
///
/// Recognition: valid ustar headers (magic, checksum, octal or base-256 size), then, over the first
/// `examined` files, at least two keys, keys never interleaved, 90% of extensions sample
/// extensions (images, audio, labels, text, JSON, arrays), and most samples with several fields.
/// A tar of source code, or of files that do not group into samples, is not one.
/// Summary: samples (keys) and their fields, counted header to header (data is skipped), at most
/// `maxMembers` headers; past them the count is estimated from the bytes they span.
public struct WebDatasetSniffer: Sniffer {
    public let id = "webdataset"
    public init() {}

    /// Headers read at most (one 512-byte read each); past them the samples are estimated.
    static let maxMembers = 2_048
    static let examined = 256
    static let maxCompressedRead = 256 << 10
    static let maxInflated = 1 << 20

    /// Field extensions WebDataset pipelines write (the part after the last dot).
    static let sampleExtensions: Set<String> = [
        "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "ppm", "pgm", "exr",
        "cls", "cls2", "index", "id", "label", "labels", "txt", "text", "caption", "json", "jsonl", "yaml",
        "npy", "npz", "ten", "tenbin", "pth", "pt", "pyd", "pickle", "pkl", "cbor", "msgpack", "mp", "mpk", "safetensors",
        "flac", "wav", "mp3", "ogg", "opus", "m4a", "mp4", "webm", "avi", "mkv", "seg", "mask", "depth", "html", "xml", "bin",
    ]

    struct Walk {
        var files = 0
        var samples = 0
        /// Every header up to the end was read.
        var complete = false
        /// The walk stopped at `maxMembers`, having read up to `end`.
        var capped = false
        var end = 0
        var names: [String] = []
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size >= 1024 else { return .notMine }
        if WebDatasetSniffer.header(input.head) != nil {
            guard let w = WebDatasetSniffer.walk(size: input.size, read: { input.bytes(at: $0, count: $1) }) else { return .notMine }
            return judge(w, compressed: false, size: input.size)
        }
        guard let peek = CompressedPrefix.peek(input, count: 512), peek.count == 512, WebDatasetSniffer.header(peek) != nil,
              let (plain, complete) = CompressedPrefix.inflate(input, inputBytes: WebDatasetSniffer.maxCompressedRead, limit: WebDatasetSniffer.maxInflated),
              var w = WebDatasetSniffer.walk(size: plain.count, read: { off, n in off <= plain.count ? Array(plain[off..<min(plain.count, off + n)]) : nil })
        else { return .notMine }
        if !complete { w.complete = false; w.capped = false }
        return judge(w, compressed: true, size: input.size)
    }

    func judge(_ w: Walk, compressed: Bool, size: Int) -> SniffResult {
        guard let fields = WebDatasetSniffer.sampleFields(w.names) else { return .notMine }
        var s = ArtifactSummary()
        let samples = DatasetFacts.count(w.samples, "sample")
        let fieldList = " (" + fields.joined(separator: ", ") + ")"
        if w.complete {
            s.addNote(samples + fieldList)
        } else if w.capped, let estimate = DatasetFacts.estimate(w.samples, spanning: w.end, of: size) {
            s.addNote("about " + FindingMessage.count(estimate) + " samples (" + fields.joined(separator: ", ") + "; estimated)")
            s.addDetail("samples_estimated", String(estimate))
        } else {
            s.addNote("at least " + samples + fieldList)
        }
        if compressed { s.addNote("gzip-compressed") }
        if w.complete { s.addDetail("samples", String(w.samples)) }
        s.addDetail("files", String(w.files) + (w.complete ? "" : "+"))
        s.addDetail("fields", fields.joined(separator: ", "))
        return .found(Detection(format: id, category: .dataset, label: "WebDataset shard", summary: s))
    }

    /// The field extensions of the samples when `names` group into WebDataset samples, else nil.
    static func sampleFields(_ names: [String]) -> [String]? {
        guard names.count >= 4 else { return nil }
        var keys: Set<String> = [], fields: [String] = []
        var lastKey: String?
        var groups = 0, multi = 0, groupSize = 0, sampleLike = 0
        for name in names {
            guard let (key, ext) = split(name) else { return nil }
            let last = ext.split(separator: ".").last.map(String.init) ?? ext
            if sampleExtensions.contains(last) { sampleLike += 1 }
            if fields.count < 16, !fields.contains(ext) { fields.append(ext) }
            if key == lastKey { groupSize += 1; continue }
            guard !keys.contains(key) else { return nil }  // interleaved keys: not grouped samples
            if groupSize >= 2 { multi += 1 }
            keys.insert(key)
            lastKey = key
            groups += 1
            groupSize = 1
        }
        if groupSize >= 2 { multi += 1 }
        guard groups >= 2, sampleLike * 10 >= names.count * 9, multi * 5 >= groups * 4 else { return nil }
        return fields.sorted()
    }

    /// (key, extension) of a member path: the key is the path up to the first dot of the file name.
    static func split(_ path: String) -> (String, String)? {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let base = path[slash...]
        guard let dot = base.firstIndex(of: "."), dot > base.startIndex, base.index(after: dot) < base.endIndex else { return nil }
        return (String(path[..<dot]), String(base[base.index(after: dot)...]).lowercased())
    }

    /// Walks tar headers through `read` over `size` bytes; nil unless the first one is valid.
    static func walk(size: Int, read: (Int, Int) -> [UInt8]?) -> Walk? {
        var w = Walk()
        var p = 0, headers = 0
        var pendingName: String?
        var lastKey: String?
        while true {
            if p == size { w.complete = true; break }
            if headers == maxMembers { w.capped = true; break }
            guard let h = read(p, 512), h.count == 512 else { break }
            if h.allSatisfy({ $0 == 0 }) { w.complete = true; break }
            guard let (name, type, dataSize) = header(h) else {
                if headers == 0 { return nil }
                break
            }
            headers += 1
            // Data is padded to whole blocks; a hostile base-256 size near Int.max must not trap here.
            guard let padded = checkedSum(dataSize / 512 * 512, dataSize % 512 == 0 ? 0 : 512),
                  let next = checkedSum(p, 512).flatMap({ checkedSum($0, padded) }) else { break }
            switch type {
            case UInt8(ascii: "x"):  // pax extended header: `path=` renames the next member
                if let data = read(p + 512, min(dataSize, 64 << 10)) { pendingName = paxPath(data) ?? pendingName }
            case UInt8(ascii: "L"):  // GNU long name
                if let data = read(p + 512, min(dataSize, 4096)) { pendingName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self) }
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                let full = pendingName ?? name
                pendingName = nil
                w.files += 1
                if w.names.count < examined { w.names.append(full) }
                let key = split(full)?.0 ?? full
                if key != lastKey { w.samples += 1; lastKey = key }
            case UInt8(ascii: "g"):
                break
            default:
                pendingName = nil
            }
            guard next <= size else { break }
            p = next
        }
        w.end = p
        return headers > 0 ? w : nil
    }

    /// (name, type flag, data size) of a ustar header whose checksum matches.
    static func header(_ h: [UInt8]) -> (String, UInt8, Int)? {
        guard h.count >= 512, h.has(ascii("ustar"), at: 257), h[262] == 0 || h[262] == 0x20,
              let stored = octal(h[148..<156]) else { return nil }
        // The checksum counts its own field as eight spaces.
        var sum = 8 * 0x20
        for i in 0..<148 { sum += Int(h[i]) }
        for i in 156..<512 { sum += Int(h[i]) }
        guard sum == stored, let size = dataSize(h[124..<136]) else { return nil }
        var name = String(decoding: h[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        if h[262] == 0, h[345] != 0 {  // POSIX ustar: a prefix holds the leading directories
            name = String(decoding: h[345..<500].prefix { $0 != 0 }, as: UTF8.self) + "/" + name
        }
        return (name, h[156], size)
    }

    /// An octal field (NUL- or space-terminated).
    static func octal(_ f: ArraySlice<UInt8>) -> Int? {
        var v = 0, digits = 0
        for b in f.drop(while: { $0 == 0x20 }) {
            if b == 0 || b == 0x20 { break }
            guard b >= 0x30, b <= 0x37, let m = checkedMul(v, 8) else { return nil }
            v = m + Int(b - 0x30)
            digits += 1
        }
        return digits > 0 ? v : nil
    }

    /// The size field: octal, or GNU base-256 (high bit of the first byte set).
    static func dataSize(_ f: ArraySlice<UInt8>) -> Int? {
        guard let first = f.first else { return nil }
        guard first & 0x80 != 0 else { return octal(f) }
        guard first == 0x80 else { return nil }  // negative sizes
        var v = 0
        for b in f.dropFirst() {
            guard let m = checkedMul(v, 256) else { return nil }
            v = m | Int(b)
        }
        return v
    }

    /// The `path` record of pax extended header data (`<len> path=<value>\n`).
    static func paxPath(_ data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let kv = record[record.index(after: space)...]
            if kv.hasPrefix("path=") { return String(kv.dropFirst(5)) }
        }
        return nil
    }
}
