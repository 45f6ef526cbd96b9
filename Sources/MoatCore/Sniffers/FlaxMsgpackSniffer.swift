/// Flax checkpoints written by `flax.serialization.to_bytes` / `msgpack_serialize` (`flax_model.msgpack`,
/// train states with optax moments; source: `flax/serialization.py`; research 2.16).
///
/// A msgpack map of nested maps whose leaves are arrays encoded as ext type 1 (`ndarray`), the
/// payload itself msgpack: `[shape, dtype name, raw bytes]`. Recognition: the top is a map, and the
/// walk meets at least one such array whose byte length equals shape × item size exactly. The walk
/// skips array bodies by length (never reads them), so a multi-GB file costs one read per array.
public struct FlaxMsgpackSniffer: Sniffer {
    public let id = "flax-msgpack"
    public init() {}

    static let maxNodes = 1_000_000
    static let maxDepth = 64
    static let itemSizes: [String: Int] = ["float32": 4, "float64": 8, "float16": 2, "bfloat16": 2, "int8": 1, "uint8": 1, "int16": 2,
                                           "uint16": 2, "int32": 4, "uint32": 4, "int64": 8, "uint64": 8, "bool": 1, "complex64": 8,
                                           "complex128": 16, "float8_e4m3fn": 1, "float8_e5m2": 1, "int4": 1, "uint4": 1]

    struct Leaf {
        var path: [String]
        var elements: Int
        var dtype: String
    }

    /// A depth-limited msgpack walk over a `ByteCursor`, collecting ndarray leaves with their key paths.
    struct Walk {
        var cursor: ByteCursor
        var nodes = 0
        var leaves: [Leaf] = []
        var path: [String] = []

        /// One value; false when malformed, cut or over budget.
        mutating func value(depth: Int) -> Bool {
            guard let t = cursor.u8() else { return false }
            return body(t, depth: depth)
        }

        /// The value whose type byte `t` was just read.
        mutating func body(_ t: UInt8, depth: Int) -> Bool {
            nodes += 1
            guard nodes <= maxNodes, depth <= maxDepth else { return false }
            switch t {
            case 0x00...0x7F, 0xE0...0xFF, 0xC0, 0xC2, 0xC3: return true
            case 0x80...0x8F: return map(Int(t & 0x0F), depth: depth)
            case 0x90...0x9F: return array(Int(t & 0x0F), depth: depth)
            case 0xA0...0xBF: return cursor.skip(Int(t & 0x1F))
            case 0xC4, 0xD9: return length(1).map { cursor.skip($0) } ?? false
            case 0xC5, 0xDA: return length(2).map { cursor.skip($0) } ?? false
            case 0xC6, 0xDB: return length(4).map { cursor.skip($0) } ?? false
            case 0xC7, 0xC8, 0xC9:
                guard let n = length(t == 0xC7 ? 1 : t == 0xC8 ? 2 : 4), let type = cursor.u8() else { return false }
                return ext(type: type, length: n)
            case 0xCA, 0xCE, 0xD2: return cursor.skip(4)
            case 0xCB, 0xCF, 0xD3: return cursor.skip(8)
            case 0xCC, 0xD0: return cursor.skip(1)
            case 0xCD, 0xD1: return cursor.skip(2)
            case 0xD4...0xD8: return cursor.skip(1 + (1 << Int(t - 0xD4)))
            case 0xDC, 0xDD: return length(t == 0xDC ? 2 : 4).map { array($0, depth: depth) } ?? false
            case 0xDE, 0xDF: return length(t == 0xDE ? 2 : 4).map { map($0, depth: depth) } ?? false
            default: return false
            }
        }

        /// A big-endian length of `width` bytes.
        mutating func length(_ width: Int) -> Int? {
            guard let b = cursor.bytes(width) else { return nil }
            return b.reduce(0) { $0 << 8 | Int($1) }
        }

        mutating func array(_ n: Int, depth: Int) -> Bool {
            for _ in 0..<min(n, maxNodes) where !value(depth: depth + 1) { return false }
            return n <= maxNodes
        }

        mutating func map(_ n: Int, depth: Int) -> Bool {
            guard n <= maxNodes else { return false }
            for _ in 0..<n {
                guard let key = keyString() else { return false }
                path.append(key)
                defer { path.removeLast() }
                guard value(depth: depth + 1) else { return false }
            }
            return true
        }

        /// A map key: flax writes strings (integer keys of lists become strings too); other keys are walked.
        mutating func keyString() -> String? {
            guard let t = cursor.u8() else { return nil }
            var n: Int?
            switch t {
            case 0xA0...0xBF: n = Int(t & 0x1F)
            case 0xD9: n = length(1)
            case 0xDA: n = length(2)
            default:
                return body(t, depth: maxDepth - 1) ? "?" : nil
            }
            guard let n, n <= 1024, let b = cursor.bytes(n) else { return nil }
            return String(decoding: b, as: UTF8.self)
        }

        /// Ext type 1 is flax's ndarray: `[shape, dtype, bin]` with the bin exactly shape × item size.
        mutating func ext(type: UInt8, length: Int) -> Bool {
            let start = cursor.offset
            guard type == 1 else { return cursor.skip(length) }
            guard let t = cursor.u8(), t == 0x93, let s = cursor.u8(), (0x90...0x9F).contains(s) else { return false }
            var dims: [Int] = []
            for _ in 0..<Int(s & 0x0F) {
                guard let d = cursor.u8() else { return false }
                switch d {
                case 0x00...0x7F: dims.append(Int(d))
                case 0xCC: guard let v = self.length(1) else { return false }; dims.append(v)
                case 0xCD: guard let v = self.length(2) else { return false }; dims.append(v)
                case 0xCE: guard let v = self.length(4) else { return false }; dims.append(v)
                case 0xCF: guard let v = self.length(8), v >= 0 else { return false }; dims.append(v)
                default: return false
                }
            }
            guard let ds = cursor.u8(), (0xA1...0xBF).contains(ds), let name = cursor.bytes(Int(ds & 0x1F)),
                  let dtype = Optional(String(decoding: name, as: UTF8.self)), let size = itemSizes[dtype],
                  let bt = cursor.u8(), [0xC4, 0xC5, 0xC6].contains(bt),
                  let n = self.length(bt == 0xC4 ? 1 : bt == 0xC5 ? 2 : 4),
                  let elements = checkedProduct(dims), checkedMul(elements, size) == n, cursor.skip(n),
                  cursor.offset - start == length else { return false }
            leaves.append(Leaf(path: path, elements: elements, dtype: dtype))
            return true
        }
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 8, (0x81...0x8F).contains(h[0]) || h[0] == 0xDE || h[0] == 0xDF else { return .notMine }
        // The first key is a string (params, opt_state, step, a layer name).
        let k = h[0] == 0xDE ? 3 : h[0] == 0xDF ? 5 : 1
        guard k < h.count, (0xA1...0xBF).contains(h[k]) || h[k] == 0xD9 else { return .notMine }
        var w = Walk(cursor: ByteCursor(input, limit: input.size))
        let complete = w.value(depth: 0)
        guard !w.leaves.isEmpty else { return .notMine }
        var problems: [String] = []
        if !complete { problems.append("walk stopped at byte \(w.cursor.offset) of \(input.size)") } else if w.cursor.offset != input.size {
            problems.append("\(input.size - w.cursor.offset) bytes after the msgpack map")
        }
        return .found(FlaxMsgpackSniffer.detection(w.leaves, problems: problems))
    }

    static let optimizerKeys: Set<String> = ["opt_state", "optimizer", "optim_state", "mu", "nu", "trace", "momentum"]

    static func detection(_ leaves: [Leaf], problems: [String]) -> Detection {
        var s = ArtifactSummary()
        let isOptimizer: (Leaf) -> Bool = { l in l.path.contains { optimizerKeys.contains($0) } }
        let model = leaves.filter { !isOptimizer($0) }, optim = leaves.filter(isOptimizer)
        let primary = model.isEmpty ? optim : model
        s.tensors = primary.count
        s.parameters = primary.reduce(0) { saturatingAdd($0, $1.elements) }
        for l in primary { s.addDtype(l.dtype) }
        if let first = leaves.first?.path.first, leaves.allSatisfy({ $0.path.first == first }) { s.addDetail("root", first) }
        let category: Category
        let label: String
        if optim.isEmpty {
            category = .modelWeights
            label = "Flax model weights (msgpack)"
        } else {
            let paths = Set(optim.flatMap(\.path))
            if paths.contains("mu") && paths.contains("nu") { s.optimizer = "optax Adam" }
            s.addNote("optax state: \(optim.count) arrays, \(FindingMessage.count(optim.reduce(0) { saturatingAdd($0, $1.elements) })) elements")
            category = model.isEmpty ? .optimizerState : .trainingCheckpoint
            label = model.isEmpty ? "Flax optimizer state (msgpack)" : "Flax training state (msgpack)"
        }
        return Detection(format: "flax-msgpack", category: category, label: label, summary: s, problems: problems)
    }
}
