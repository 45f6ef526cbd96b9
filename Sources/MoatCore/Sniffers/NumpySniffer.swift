/// NumPy `.npy`: magic `\x93NUMPY`, version 1-3, a Python-literal header dict giving dtype, order
/// and shape, then the raw array. Validated by the header's padding and by the data size it implies.
public struct NumpySniffer: Sniffer {
    public let id = "numpy-npy"
    public init() {}

    /// The parsed header of one `.npy` (also used for the members of `.npz` archives).
    struct Header {
        var descr: String
        var shape: [Int]
        var dataOffset: Int
        var elements: Int
        var itemSize: Int?
        /// Short dtype name: float32, int64, ...
        var dtypeName: String
        var isFloat: Bool
        var isObject: Bool
        var dataBytes: Int? { itemSize.flatMap { checkedProduct([elements, $0]) } }
    }

    static let magic: [UInt8] = [0x93] + ascii("NUMPY")

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard let header = NumpySniffer.parseHeader(input.head) else { return .notMine }
        if header.isObject { return .benign(.known("NumPy object array (a pickle inside; not raw tensors)")) }
        var s = ArtifactSummary()
        s.tensors = 1
        s.parameters = header.elements
        s.tensorBytes = header.dataBytes
        s.addDtype(header.dtypeName)
        s.addDetail("shape", "(" + header.shape.map(String.init).joined(separator: ", ") + ")")
        var d = Detection(format: id, category: .tensorDump, label: "NumPy array", summary: s)
        if let bytes = header.dataBytes {
            let expected = checkedSum(header.dataOffset, bytes)
            if expected.map({ $0 > input.size }) ?? true {
                let need = expected.map(FindingMessage.bytes) ?? "more than \(FindingMessage.bytes(Int.max))"
                d.problems.append("truncated: array needs \(need), file has \(FindingMessage.bytes(input.size))")
            }
        }
        if !header.isFloat {
            if let labels = NumpySniffer.labels(header, head: input.head) {
                var ls = ArtifactSummary()
                ls.addDtype(header.dtypeName)
                ls.addNote(DatasetFacts.count(header.elements, "label") + ", " + DatasetFacts.count(labels, "class", "classes"))
                ls.addDetail("shape", s.details.first?.1 ?? "")
                ls.addDetail("classes", String(labels))
                ls.addDetail("records", String(header.elements))
                return .found(Detection(format: id, category: .dataset, label: "NumPy label array", summary: ls, problems: d.problems))
            }
            // Integer/bool/text arrays are token shards, labels or fixtures: a dataset when big, else nothing.
            guard (header.dataBytes ?? input.size) >= 1 << 20 else { return .benign(.known("small non-float NumPy array")) }
            d.category = .dataset
            d.label = "NumPy array (\(header.dtypeName))"
        }
        return .found(d)
    }

    /// Class labels: a vector (or one column) of at least `minLabels` integers, every value read
    /// from the head in `0..<maxClasses`, at least two classes and each seen 4 times on average.
    /// Returns the class count (largest label + 1). Token ids, indices and counters are not labels.
    static func labels(_ h: Header, head: [UInt8]) -> Int? {
        guard h.shape.count == 1 || (h.shape.count == 2 && h.shape[1] == 1), h.elements >= minLabels,
              let width = h.itemSize, [1, 2, 4, 8].contains(width), h.dtypeName.hasPrefix("int") || h.dtypeName.hasPrefix("uint"),
              !h.descr.hasPrefix(">") else { return nil }
        let n = min(h.elements, (head.count - h.dataOffset) / width)
        guard n >= minLabels else { return nil }
        var maxLabel: UInt64 = 0
        var seen = Set<UInt64>()
        for k in 0..<n {
            var v: UInt64 = 0
            for j in 0..<width { v |= UInt64(head[h.dataOffset + k * width + j]) << (8 * UInt64(j)) }
            guard v < UInt64(maxClasses) else { return nil }  // negative values are huge here
            maxLabel = max(maxLabel, v)
            seen.insert(v)
        }
        let classes = Int(maxLabel) + 1
        guard seen.count >= 2, h.elements / 4 >= classes else { return nil }
        return classes
    }

    static let minLabels = 100
    static let maxClasses = 1_000

    /// Parses the header at the start of `b`; nil unless it is a well-formed `.npy` header.
    static func parseHeader(_ b: [UInt8]) -> Header? {
        guard b.count >= 12, b.has(magic, at: 0), (1...3).contains(b[6]), b[7] == 0 else { return nil }
        let lenSize = b[6] == 1 ? 2 : 4
        guard let len = lenSize == 2 ? b.u16le(8).map(Int.init) : b.u32le(8).map(Int.init) else { return nil }
        let start = 8 + lenSize
        let end = start + len
        // numpy pads so the data starts at a multiple of 64 (16 for old writers).
        guard len >= 10, len <= 1 << 20, end <= b.count, end % 16 == 0 else { return nil }
        let text = String(decoding: b[start..<end], as: UTF8.self)
        guard text.hasPrefix("{"), let descr = value(of: "descr", in: text).flatMap(quoted),
              let shapeText = value(of: "shape", in: text) else { return nil }
        guard shapeText.hasPrefix("(") else { return nil }
        let inner = shapeText.dropFirst().prefix { $0 != ")" }
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingSpaces
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { return nil }
            shape.append(v)
        }
        guard let elements = checkedProduct(shape) else { return nil }
        let (name, size, isFloat) = dtype(descr)
        return Header(descr: descr, shape: shape, dataOffset: end, elements: elements, itemSize: size, dtypeName: name,
                      isFloat: isFloat, isObject: descr.contains("O"))
    }

    /// The text after `'key':` up to the next top-level comma (tuples kept whole).
    static func value(of key: String, in text: String) -> String? {
        guard let r = text.firstRange(of: "'\(key)':") else { return nil }
        var rest = text[r.upperBound...].drop { $0 == " " }
        var depth = 0
        var out = ""
        while let c = rest.first {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1; if depth == 0 { out.append(c); break } }
            if c == "," && depth == 0 { break }
            out.append(c)
            rest = rest.dropFirst()
        }
        return out.trimmingSpaces
    }

    static func quoted(_ s: String) -> String? {
        guard s.count >= 2, s.first == "'", s.last == "'" else { return nil }
        return String(s.dropFirst().dropLast())
    }

    /// Maps a numpy type string (`<f4`, `|u1`, `<U10`) to a name, item size and whether it is floating point.
    static func dtype(_ descr: String) -> (String, Int?, Bool) {
        var t = Substring(descr)
        if let f = t.first, "<>|=".contains(f) { t = t.dropFirst() }
        guard let kind = t.first else { return (descr, nil, false) }
        // Only ASCII digits (`isNumber` also accepts other scripts' digits), and sizes from the
        // content are hostile: `<f9223372036854775807` must not trap in `n * 8`.
        let digits = t.dropFirst().prefix { $0.isASCII && $0.isNumber }
        let n = Int(digits)
        let bits = n.flatMap { checkedMul($0, 8) }.map(String.init) ?? (n == nil ? "0" : "?")
        switch kind {
        case "f": return ("float\(bits)", n, true)
        case "c": return ("complex\(bits)", n, true)
        case "i": return ("int\(bits)", n, false)
        case "u": return ("uint\(bits)", n, false)
        case "b": return ("bool", 1, false)
        case "U": return ("str", n.flatMap { checkedMul($0, 4) }, false)
        case "S": return ("bytes", n, false)
        case "V": return ("void\(n ?? 0)", n, false)
        default: return (descr, nil, false)
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
