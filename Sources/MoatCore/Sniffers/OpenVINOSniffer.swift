/// OpenVINO IR graphs (`model.xml` beside `model.bin`; source: OpenVINO IR format docs; research 2.21).
///
/// XML whose root is `<net name="..." version="10|11">` with `<layers>`; every `Const` layer's
/// `<data element_type="f32" shape="64, 20" offset="0" size="5120"/>` names a weight's shape and its
/// byte range in the headerless `.bin`. Recognition: the root element within the first 1 KiB and a
/// `<layers>` element. Summary: Const layers, exact parameters and element types, from a text scan
/// of at most 16 MiB (a big graph's XML is a few MiB).
public struct OpenVINOSniffer: Sniffer {
    public let id = "openvino-ir"
    public init() {}

    static let maxXML = 16 << 20
    static let maxConsts = 500_000

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard let net = Array(h.prefix(1024)).firstRange(of: ascii("<net ")), h.has(ascii("<?xml"), at: 0) || net < 8,
              let tagEnd = h[net...].prefix(512).firstIndex(of: UInt8(ascii: ">")),
              Array(h[net..<tagEnd]).firstRange(of: ascii("version=\"1")) != nil,
              h.firstRange(of: ascii("<layers>"), from: tagEnd) != nil else { return .notMine }
        let text = input.size <= h.count ? h : (input.prefix(min(input.size, OpenVINOSniffer.maxXML)) ?? h)
        var s = ArtifactSummary()
        var consts = 0, elements = 0, bytes = 0
        var p = tagEnd
        while consts < OpenVINOSniffer.maxConsts, let at = text.firstRange(of: ascii("type=\"Const\""), from: p) {
            p = at + 12
            guard let data = text.firstRange(of: ascii("<data "), from: p), let close = text[data...].prefix(4096).firstIndex(of: UInt8(ascii: ">"))
            else { break }
            let tag = Array(text[data..<close])
            consts += 1
            if let t = OpenVINOSniffer.attribute(tag, "element_type") { s.addDtype(t) }
            if let shape = OpenVINOSniffer.attribute(tag, "shape") {
                let dims = shape.split(separator: ",").compactMap { Int(String($0).trimmingSpace) }
                // A dynamic dimension (`?`) leaves the count at what the known layers add.
                if dims.count == shape.split(separator: ",").count, let n = checkedProduct(dims) { elements = saturatingAdd(elements, n) }
            }
            if let size = OpenVINOSniffer.attribute(tag, "size").flatMap({ Int($0) }) { bytes = saturatingAdd(bytes, size) }
            p = close
        }
        guard consts > 0 else { return .notMine }
        s.tensors = consts
        s.parameters = elements
        s.tensorBytes = bytes
        if let name = OpenVINOSniffer.attribute(Array(h[net..<tagEnd]), "name") { s.addDetail("name", name) }
        if let v = OpenVINOSniffer.attribute(Array(h[net..<tagEnd]), "version") { s.addDetail("ir_version", v) }
        s.addNote("weights in the .bin beside it (\(FindingMessage.bytes(bytes)))")
        if text.count < input.size { s.addNote("graph read to \(FindingMessage.bytes(text.count))") }
        return .found(Detection(format: id, category: .modelWeights, label: "OpenVINO IR model", summary: s))
    }

    /// The value of `name="..."` in a tag's bytes.
    static func attribute(_ tag: [UInt8], _ name: String) -> String? {
        let key = Array(" \(name)=\"".utf8)
        guard let at = tag.firstRange(of: key) else { return nil }
        let start = at + key.count
        guard let end = tag[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return DisplayText.decode(tag[start..<end])
    }
}
