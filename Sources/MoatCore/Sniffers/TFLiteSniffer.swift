/// TensorFlow Lite models: a flatbuffer with file identifier `TFL3` at bytes 4..8
/// (source: tensorflow/lite/schema/schema.fbs).
///
/// Recognition: `TFL3` at 4, the root table offset (u32 LE at 0) inside the file, its vtable
/// (at root - i32(root)) inside the file with a sane size, and `Model.version` (field 0) == 3.
/// Summary: the constant tensors of subgraph 0 (those whose buffer holds data: the weights), their
/// parameter count, types and bytes; subgraph, tensor and buffer counts and the description in details.
public struct TFLiteSniffer: Sniffer {
    public let id = "tflite"
    public init() {}

    /// Most tensors or buffers looked at.
    static let maxElements = 200_000

    /// schema.fbs TensorType names.
    static let tensorTypes = ["FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
                              "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16",
                              "INT4", "BFLOAT16"]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 16, h.has(ascii("TFL3"), at: 4), let root32 = h.u32le(0) else { return .notMine }
        let fb = FlatBuffer(RandomReader(input))
        guard let model = fb.table(Int(root32)), let version = fb.u32Field(model, 0), version == 3 else { return .notMine }

        var s = ArtifactSummary()
        if let desc = fb.text(model, 3), !desc.isEmpty { s.addDetail("description", desc) }

        // Buffers (Model field 4): data = 0 ([ubyte]), offset = 1 and size = 2 (u64, models > 2 GB).
        var bufferBytes: [Int?] = []
        var buffersRead = true
        if let buffers = fb.vector(model, 4, elementSize: 4) {
            s.addDetail("buffers", String(buffers.count))
            for k in 0..<min(buffers.count, TFLiteSniffer.maxElements) {
                guard let b = fb.element(buffers, k) else { buffersRead = false; break }
                if let data = fb.vector(b, 0, elementSize: 1) {
                    bufferBytes.append(data.count)
                } else if let size = fb.u64Field(b, 2), size > 0 {
                    bufferBytes.append(Int(clamping: size))
                } else {
                    bufferBytes.append(0)
                }
            }
            if buffers.count > TFLiteSniffer.maxElements { buffersRead = false }
        }
        if buffersRead, !bufferBytes.isEmpty {
            s.addDetail("buffer_bytes", String(bufferBytes.reduce(0) { saturatingAdd($0, $1 ?? 0) }))
        }

        // Subgraph 0 (Model field 2): tensors = 0; Tensor: shape = 0 ([int]), type = 1 (byte), buffer = 2 (uint), name = 3.
        if let subgraphs = fb.vector(model, 2, elementSize: 4) {
            if subgraphs.count != 1 { s.addDetail("subgraphs", String(subgraphs.count)) }
            if subgraphs.count > 0, let sg = fb.element(subgraphs, 0), let tensors = fb.vector(sg, 0, elementSize: 4) {
                s.addDetail("subgraph_tensors", String(tensors.count))
                var constant = 0, params = 0, bytes = 0, complete = buffersRead && tensors.count <= TFLiteSniffer.maxElements
                var names = TensorNames()
                for k in 0..<min(tensors.count, TFLiteSniffer.maxElements) {
                    guard let t = fb.element(tensors, k) else { complete = false; break }
                    let buffer = Int(fb.u32Field(t, 2) ?? 0)
                    guard buffer > 0, buffer < bufferBytes.count, let n = bufferBytes[buffer], n > 0 else { continue }
                    constant += 1
                    bytes = saturatingAdd(bytes, n)
                    let type = Int(fb.u8Field(t, 1) ?? 0)
                    s.addDtype(type < TFLiteSniffer.tensorTypes.count ? TFLiteSniffer.tensorTypes[type] : "type\(type)")
                    if let name = fb.string(t, 3) { names.add(name) }
                    var dims: [Int] = []
                    if let shape = fb.vector(t, 0, elementSize: 4), shape.count <= 16 {
                        for j in 0..<shape.count {
                            guard let v = fb.r.i32(shape.start + 4 * j) else { complete = false; break }
                            dims.append(Int(v))
                        }
                    }
                    if let p = checkedProduct(dims) { params = saturatingAdd(params, p) } else { complete = false }
                }
                if complete {
                    s.tensors = constant
                    s.parameters = params
                    s.tensorBytes = bytes
                    s.architecture = names.architecture
                }
            }
        }
        return .found(Detection(format: id, category: .modelWeights, label: "TensorFlow Lite model", summary: s))
    }
}

/// Bounded flatbuffer reads: every offset is checked against the region before use.
struct FlatBuffer {
    let r: RandomReader
    init(_ r: RandomReader) { self.r = r }

    struct Vector { var start: Int; var count: Int }

    /// A table at `t` whose vtable lies inside the region with a sane size; returns `t`.
    func table(_ t: Int) -> Int? {
        guard t >= 0, t <= r.length - 4, let so = r.i32(t) else { return nil }
        let vt = t - Int(so)
        guard vt >= 0, vt <= r.length - 4, let vsize = r.u16(vt), let tsize = r.u16(vt + 2),
              vsize >= 4, vsize % 2 == 0, vsize <= 4 + 2 * 256, Int(vsize) <= r.length - vt,
              tsize >= 4, Int(tsize) <= r.length - t else { return nil }
        return t
    }

    /// Absolute position of field `i` of the table at `t`, or nil when absent.
    func field(_ t: Int, _ i: Int) -> Int? {
        guard let so = r.i32(t) else { return nil }
        let vt = t - Int(so)
        guard let vsize = r.u16(vt), let tsize = r.u16(vt + 2), 4 + 2 * i + 2 <= Int(vsize),
              let off = r.u16(vt + 4 + 2 * i), off != 0, off < tsize else { return nil }
        return t + Int(off)
    }

    func u8Field(_ t: Int, _ i: Int) -> UInt8? { field(t, i).flatMap { r.byte($0) } }
    func u32Field(_ t: Int, _ i: Int) -> UInt32? { field(t, i).flatMap { r.u32($0) } }
    func u64Field(_ t: Int, _ i: Int) -> UInt64? { field(t, i).flatMap { r.u64($0) } }

    /// The vector a field points at, when it lies inside the region.
    func vector(_ t: Int, _ i: Int, elementSize: Int) -> Vector? {
        guard let p = field(t, i), let rel = r.u32(p) else { return nil }
        let v = p + Int(rel)
        guard v <= r.length - 4, let n = r.u32(v) else { return nil }
        let start = v + 4
        guard Int(n) <= (r.length - start) / elementSize else { return nil }
        return Vector(start: start, count: Int(n))
    }

    /// The table that element `k` of a vector of tables points at.
    func element(_ v: Vector, _ k: Int) -> Int? {
        let p = v.start + 4 * k
        guard k >= 0, k < v.count, let rel = r.u32(p) else { return nil }
        return table(p + Int(rel))
    }

    /// A string field (at most 1 KiB is decoded).
    func string(_ t: Int, _ i: Int) -> String? {
        guard let v = vector(t, i, elementSize: 1), let b = r.bytes(v.start, min(v.count, 1024)) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }

    /// A string field for display: invalid UTF-8 and control characters escaped (`DisplayText.decode`).
    func text(_ t: Int, _ i: Int) -> String? {
        guard let v = vector(t, i, elementSize: 1), let b = r.bytes(v.start, min(v.count, 1024)) else { return nil }
        return DisplayText.decode(b)
    }
}
