/// ONNX models: a serialized `ModelProto` protobuf (source: onnx/onnx.proto).
///
/// Recognition: byte 0 is the `ir_version` tag `08`, its value is 1...20, the next tag is a
/// ModelProto field, and a walk over the top-level fields by tag and length (every length bounded
/// by the real size) ends exactly at the end of the content and meets `graph` (field 7), whose
/// first tag is a GraphProto field. The graph's initializers (TensorProto, field 5) are then
/// walked, skipping `raw_data` by its length, for tensor, parameter and dtype counts.
public struct ONNXSniffer: Sniffer {
    public let id = "onnx"
    public init() {}

    /// Most protobuf fields looked at over the whole walk.
    static let maxFields = 1_000_000
    /// Largest string read for producer names, opsets and external-data entries.
    static let maxSmallField = 4 * 1024

    /// ModelProto fields and their wire types (2 = length-delimited, 0 = varint).
    static let modelFields: [UInt64: UInt64] = [1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2]
    /// GraphProto fields (all length-delimited).
    static let graphFields: Set<UInt64> = [1, 2, 5, 10, 11, 12, 13, 14, 15, 16]

    /// TensorProto.DataType names as ONNX spells them in type strings (`tensor(float)`).
    static let dataTypes = ["undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool",
                            "float16", "double", "uint32", "uint64", "complex64", "complex128", "bfloat16",
                            "float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz", "uint4", "int4",
                            "float4e2m1", "float8e8m0", "uint2", "int2", "float6e2m3", "float6e3m2"]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        // Cheap prefix test: 08 <ir_version 1...20> <ModelProto tag other than 1>.
        guard h.count >= 4, h[0] == 0x08, h[1] >= 1, h[1] <= 20 else { return .notMine }
        guard let (firstTag, _) = ProtoWalk.varint(h, 2), let wire = ONNXSniffer.modelFields[firstTag >> 3],
              firstTag >> 3 != 1, wire == firstTag & 7 else { return .notMine }

        let r = RandomReader(input)
        var walk = ProtoWalk(r: r, budget: ONNXSniffer.maxFields)
        var s = ArtifactSummary()
        s.addDetail("ir_version", String(h[1]))
        var graph: Range<Int>?
        var training = false
        var producer: String?, producerVersion: String?, opset: String?
        var complete = true

        var p = 2
        while p < input.size {
            guard let f = walk.field(at: p, end: input.size) else {
                if walk.unreadable { complete = false; break }
                return .notMine
            }
            guard let expected = ONNXSniffer.modelFields[f.number] else { return .notMine }
            guard expected == f.wire, f.number != 1 else { return .notMine }
            switch f.number {
            case 2, 3:
                guard f.body.count <= 1024 else { return .notMine }
                guard let b = r.bytes(f.body.lowerBound, f.body.count) else { complete = false; break }
                guard ONNXSniffer.printable(b) else { return .notMine }
                if f.number == 2 { producer = DisplayText.decode(b) } else { producerVersion = DisplayText.decode(b) }
            case 7:
                guard graph == nil else { return .notMine }
                graph = f.body
            case 8:
                if opset == nil, f.body.count <= ONNXSniffer.maxSmallField, let b = r.bytes(f.body.lowerBound, f.body.count),
                   let (domain, version) = ONNXSniffer.opsetImport(b), domain.isEmpty || domain == "ai.onnx" {
                    opset = String(version)
                }
            case 20:
                training = true
            default:
                break
            }
            p = f.end
        }
        guard let g = graph else { return .notMine }
        // The graph's first field must be a GraphProto field (an empty graph is allowed).
        if !g.isEmpty {
            if let gf = walk.field(at: g.lowerBound, end: g.upperBound) {
                guard ONNXSniffer.graphFields.contains(gf.number), gf.wire == 2 else { return .notMine }
            } else if !walk.unreadable {
                return .notMine
            }
        }

        if let v = producer, !v.isEmpty { s.addDetail("producer", v) }
        if let v = producerVersion, !v.isEmpty { s.addDetail("producer_version", v) }
        if let v = opset { s.addDetail("opset", v) }
        if !complete { s.addDetail("model_fields", "not read to the end") }

        var d = Detection(format: id, category: .modelWeights, label: "ONNX model")
        var graphWalk = GraphWalk()
        if graphWalk.run(&walk, g) {
            s.tensors = graphWalk.tensors
            if graphWalk.parametersKnown { s.parameters = graphWalk.parameters }
            for t in graphWalk.dtypes { s.addDtype(ONNXSniffer.dataTypeName(t)) }
            if graphWalk.dataBytes > 0 { s.tensorBytes = graphWalk.dataBytes }
            s.architecture = graphWalk.names.architecture
            if graphWalk.externalTensors > 0 {
                s.addNote("weights in external data (\(graphWalk.externalTensors) of \(graphWalk.tensors) tensors)")
                if let loc = graphWalk.externalLocation { s.addDetail("external_data", loc) }
            }
        } else if walk.unreadable || walk.budget <= 0 {
            s.addDetail("initializers", "not counted (graph beyond the readable range)")
        } else {
            d.problems.append("graph initializers could not be parsed")
        }
        if training { s.addNote("training graph") }
        d.summary = s
        return .found(d)
    }

    static func dataTypeName(_ t: UInt64) -> String {
        t < UInt64(dataTypes.count) ? dataTypes[Int(t)] : "type\(t)"
    }

    /// Printable UTF-8 text: no control bytes.
    static func printable(_ b: [UInt8]) -> Bool {
        b.allSatisfy { $0 >= 0x20 && $0 != 0x7F }
    }

    /// Parses an OperatorSetIdProto (domain = 1, version = 2).
    static func opsetImport(_ b: [UInt8]) -> (String, Int)? {
        var p = 0
        var domain = ""
        var version: Int?
        while p < b.count {
            guard let (tag, q) = ProtoWalk.varint(b, p) else { return nil }
            switch (tag >> 3, tag & 7) {
            case (1, 2):
                guard let (n, q2) = ProtoWalk.varint(b, q), n <= UInt64(b.count - q2) else { return nil }
                domain = String(decoding: b[q2..<(q2 + Int(n))], as: UTF8.self)
                p = q2 + Int(n)
            case (2, 0):
                guard let (v, q2) = ProtoWalk.varint(b, q), v <= UInt64(Int32.max) else { return nil }
                version = Int(v)
                p = q2
            default:
                return nil
            }
        }
        return version.map { (domain, $0) }
    }
}

/// Walks a GraphProto's initializers.
struct GraphWalk {
    var tensors = 0
    var parameters = 0
    var parametersKnown = true
    var dtypes: [UInt64] = []
    var dataBytes = 0
    var externalTensors = 0
    var externalLocation: String?
    var names = TensorNames()
    /// Distinct data types kept: each tensor scans the list, so hostile distinct values must not grow it.
    static let maxDtypes = 64

    /// False when the graph is malformed, unreadable or over budget.
    mutating func run(_ walk: inout ProtoWalk, _ g: Range<Int>) -> Bool {
        var p = g.lowerBound
        while p < g.upperBound {
            guard let f = walk.field(at: p, end: g.upperBound) else { return false }
            if f.number == 5 && f.wire == 2 {
                guard tensor(&walk, f.body, dimsField: 1) else { return false }
            } else if f.number == 15 && f.wire == 2 {
                guard sparseTensor(&walk, f.body) else { return false }
            }
            p = f.end
        }
        return true
    }

    /// SparseTensorProto: values = 1 (TensorProto), indices = 2, dims = 3 (the dense shape).
    private mutating func sparseTensor(_ walk: inout ProtoWalk, _ body: Range<Int>) -> Bool {
        var p = body.lowerBound
        var dims: [Int] = []
        var dimsOK = true
        var valueType: UInt64?
        while p < body.upperBound {
            guard let f = walk.field(at: p, end: body.upperBound) else { return false }
            if f.number == 3 {
                guard readInts(&walk, f, into: &dims) else { return false }
                if f.wire != 0 && f.wire != 2 { dimsOK = false }
            } else if f.number == 1 && f.wire == 2 {
                var inner = GraphWalk()
                guard inner.tensor(&walk, f.body, dimsField: 1) else { return false }
                valueType = inner.dtypes.first
                dataBytes = saturatingAdd(dataBytes, inner.dataBytes)
            }
            p = f.end
        }
        tensors += 1
        if let t = valueType, dtypes.count < GraphWalk.maxDtypes, !dtypes.contains(t) { dtypes.append(t) }
        addParameters(dims, ok: dimsOK)
        return true
    }

    /// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (skipped by length),
    /// external_data = 13 (key/value entries), data_location = 14 (1 = external).
    mutating func tensor(_ walk: inout ProtoWalk, _ body: Range<Int>, dimsField: UInt64) -> Bool {
        var p = body.lowerBound
        var dims: [Int] = []
        var dimsOK = true
        var dataType: UInt64?
        var external = false
        while p < body.upperBound {
            guard let f = walk.field(at: p, end: body.upperBound) else { return false }
            switch (f.number, f.wire) {
            case (1, 0), (1, 2):
                guard readInts(&walk, f, into: &dims) else { return false }
            case (1, _):
                dimsOK = false
            case (2, 0):
                dataType = f.value
            case (8, 2):
                if f.body.count <= 512, let b = walk.r.bytes(f.body.lowerBound, f.body.count) {
                    names.add(String(decoding: b, as: UTF8.self))
                }
            case (9, 2), (4, 2), (5, 2), (7, 2), (10, 2), (11, 2):
                dataBytes = saturatingAdd(dataBytes, f.body.count)
            case (4, 5):
                dataBytes = saturatingAdd(dataBytes, 4)
            case (10, 1):
                dataBytes = saturatingAdd(dataBytes, 8)
            case (13, 2):
                external = true
                if f.body.count <= ONNXSniffer.maxSmallField, let b = walk.r.bytes(f.body.lowerBound, f.body.count),
                   let (key, value) = GraphWalk.stringEntry(b) {
                    if key == "length", let n = Int(value), n >= 0 { dataBytes = saturatingAdd(dataBytes, n) }
                    if key == "location", externalLocation == nil { externalLocation = String(value.prefix(256)) }
                }
            case (14, 0):
                if f.value == 1 { external = true }
            default:
                break
            }
            p = f.end
        }
        tensors += 1
        if external { externalTensors += 1 }
        if let t = dataType, dtypes.count < GraphWalk.maxDtypes, !dtypes.contains(t) { dtypes.append(t) }
        addParameters(dims, ok: dimsOK)
        return true
    }

    private mutating func addParameters(_ dims: [Int], ok: Bool) {
        if ok, let n = checkedProduct(dims) {
            parameters = saturatingAdd(parameters, n)
        } else {
            parametersKnown = false
        }
    }

    /// Repeated int64: one varint, or a packed run (bounded to 64 dims).
    private func readInts(_ walk: inout ProtoWalk, _ f: ProtoWalk.Field, into dims: inout [Int]) -> Bool {
        if f.wire == 0 {
            guard dims.count < 64 else { return false }
            dims.append(f.value <= UInt64(Int.max) ? Int(f.value) : -1)
            return true
        }
        guard f.wire == 2, f.body.count <= 64 * 10, let b = walk.r.bytes(f.body.lowerBound, f.body.count) else { return false }
        var q = 0
        while q < b.count {
            guard dims.count < 64, let (v, next) = ProtoWalk.varint(b, q) else { return false }
            dims.append(v <= UInt64(Int.max) ? Int(v) : -1)
            q = next
        }
        return true
    }

    /// StringStringEntryProto: key = 1, value = 2.
    static func stringEntry(_ b: [UInt8]) -> (String, String)? {
        var p = 0
        var key = "", value = ""
        while p < b.count {
            guard let (tag, q) = ProtoWalk.varint(b, p), tag & 7 == 2,
                  let (n, q2) = ProtoWalk.varint(b, q), n <= UInt64(b.count - q2) else { return nil }
            let s = String(decoding: b[q2..<(q2 + Int(n))], as: UTF8.self)
            if tag >> 3 == 1 { key = s } else if tag >> 3 == 2 { value = s }
            p = q2 + Int(n)
        }
        return (key, value)
    }
}

/// Protobuf field-by-field walking over a `RandomReader`, with a field budget.
struct ProtoWalk {
    struct Field {
        var number: UInt64
        var wire: UInt64
        /// The varint value (wire type 0).
        var value: UInt64
        /// The payload of a length-delimited field (empty for other wire types).
        var body: Range<Int>
        /// Offset just after the field.
        var end: Int
    }

    let r: RandomReader
    var budget: Int
    /// Set when a read failed (past what the source can deliver), as opposed to malformed data.
    var unreadable = false

    init(r: RandomReader, budget: Int) {
        self.r = r
        self.budget = budget
    }

    /// Reads the field at `p`, which must end at or before `end`. Nil when malformed, unreadable or over budget.
    mutating func field(at p: Int, end: Int) -> Field? {
        guard budget > 0 else { return nil }
        budget -= 1
        guard let (tag, q) = varint(at: p, end: end) else { return nil }
        let number = tag >> 3, wire = tag & 7
        guard number >= 1, number < (1 << 29) else { return nil }
        switch wire {
        case 0:
            guard let (v, q2) = varint(at: q, end: end) else { return nil }
            return Field(number: number, wire: wire, value: v, body: q2..<q2, end: q2)
        case 1:
            guard end - q >= 8 else { return nil }
            return Field(number: number, wire: wire, value: 0, body: q..<q, end: q + 8)
        case 5:
            guard end - q >= 4 else { return nil }
            return Field(number: number, wire: wire, value: 0, body: q..<q, end: q + 4)
        case 2:
            guard let (n, q2) = varint(at: q, end: end), n <= UInt64(end - q2) else { return nil }
            return Field(number: number, wire: wire, value: n, body: q2..<(q2 + Int(n)), end: q2 + Int(n))
        default:
            return nil
        }
    }

    private mutating func varint(at p: Int, end: Int) -> (UInt64, Int)? {
        var v: UInt64 = 0
        var q = p
        var shift: UInt64 = 0
        while q < end, shift < 64 {
            guard let b = r.byte(q) else { unreadable = true; return nil }
            if shift == 63 && b > 1 { return nil }
            v |= UInt64(b & 0x7F) << shift
            q += 1
            if b & 0x80 == 0 { return (v, q) }
            shift += 7
        }
        return nil
    }

    /// A varint in a byte array.
    static func varint(_ b: [UInt8], _ p: Int) -> (UInt64, Int)? {
        var v: UInt64 = 0
        var q = p
        var shift: UInt64 = 0
        while q >= 0, q < b.count, shift < 64 {
            let c = b[q]
            if shift == 63 && c > 1 { return nil }
            v |= UInt64(c & 0x7F) << shift
            q += 1
            if c & 0x80 == 0 { return (v, q) }
            shift += 7
        }
        return nil
    }
}

/// Random-access reads over a region of a `SniffInput` (or a byte array), through a small window
/// so that walking many small structures does not read the same bytes twice. Offsets are relative
/// to the region; nothing is read past its length, and the number of window loads is capped.
final class RandomReader {
    private let fetch: (Int, Int) -> [UInt8]?
    /// Length of the region.
    let length: Int
    private var window: [UInt8] = []
    private var windowStart = 0
    private var loads = 0
    let maxLoads: Int
    static let windowSize = 16 * 1024
    static let jumpWindowSize = 2 * 1024

    /// The whole input.
    convenience init(_ input: SniffInput, maxLoads: Int = 8_192) {
        self.init(input, base: 0, length: input.size, maxLoads: maxLoads)
    }

    /// `length` bytes of `input` starting at `base`.
    init(_ input: SniffInput, base: Int, length: Int, maxLoads: Int = 8_192) {
        let len = max(0, min(length, input.size - base))
        self.length = len
        self.maxLoads = maxLoads
        self.fetch = { off, n in input.bytes(at: base + off, count: min(n, len - off)) }
        if base == 0 {
            window = Array(input.head.prefix(len))
        }
    }

    /// A byte array already in memory.
    init(bytes: [UInt8]) {
        self.length = bytes.count
        self.maxLoads = 0
        self.fetch = { _, _ in nil }
        window = bytes
    }

    /// Whether the window holds `[p, p + n)`, loading it if needed.
    private func ensure(_ p: Int, _ n: Int) -> Bool {
        guard p >= 0, n >= 0, n <= length - p else { return false }
        if p >= windowStart && p + n <= windowStart + window.count { return true }
        guard loads < maxLoads else { return false }
        loads += 1
        // Reading on from the window: a large window; a jump (past tensor data): a small one.
        let end = windowStart + window.count
        let size = p >= end && p - end < RandomReader.windowSize ? RandomReader.windowSize : RandomReader.jumpWindowSize
        guard let b = fetch(p, max(n, size)), b.count >= n else { return false }
        window = b
        windowStart = p
        return true
    }

    func byte(_ p: Int) -> UInt8? {
        guard ensure(p, 1) else { return nil }
        return window[p - windowStart]
    }
    func u16(_ p: Int) -> UInt16? {
        guard ensure(p, 2) else { return nil }
        return window.u16le(p - windowStart)
    }
    func u32(_ p: Int) -> UInt32? {
        guard ensure(p, 4) else { return nil }
        return window.u32le(p - windowStart)
    }
    func u64(_ p: Int) -> UInt64? {
        guard ensure(p, 8) else { return nil }
        return window.u64le(p - windowStart)
    }
    func i32(_ p: Int) -> Int32? { u32(p).map { Int32(bitPattern: $0) } }
    /// Little-endian unsigned integer of 1, 2, 4 or 8 bytes.
    func uint(_ p: Int, width: Int) -> UInt64? {
        switch width {
        case 1: return byte(p).map(UInt64.init)
        case 2: return u16(p).map(UInt64.init)
        case 4: return u32(p).map(UInt64.init)
        case 8: return u64(p)
        default: return nil
        }
    }
    /// Up to 1 MiB at `p` (nil when not all of it is inside the region).
    func bytes(_ p: Int, _ n: Int) -> [UInt8]? {
        guard n <= 1 << 20, ensure(p, n) else { return nil }
        let s = p - windowStart
        return Array(window[s..<(s + n)])
    }
}
