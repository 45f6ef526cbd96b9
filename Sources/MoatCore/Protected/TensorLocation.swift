/// How a tensor's values are stored: one element per unit, or blocks of elements sharing a scale.
public enum ElementEncoding: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    /// GGUF `Q8_0`: blocks of 32 int8 values with one f16 scale (34 bytes).
    case q8_0 = "Q8_0"

    /// Elements per stored unit (a block for quantised types).
    var unitElements: Int { self == .q8_0 ? 32 : 1 }
    /// Bytes per stored unit.
    var unitBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .f64: return 8
        case .q8_0: return 34
        }
    }
    /// Whether a value may sit anywhere a stride points (quantised blocks must be contiguous).
    var allowsStrides: Bool { unitElements == 1 }

    /// The value of element `k` of the unit held in `bytes[at...]` (little-endian), nil when short.
    func value(_ bytes: [UInt8], at: Int, element k: Int) -> Float? {
        switch self {
        case .f32: return bytes.u32le(at).map { Float(bitPattern: $0) }
        case .f16: return bytes.u16le(at).map { Float(Float16(bitPattern: $0)) }
        case .bf16: return bytes.u16le(at).map { Float(bitPattern: UInt32($0) << 16) }
        case .f64: return bytes.u64le(at).map { Float(Double(bitPattern: $0)) }
        case .q8_0:
            guard let d = bytes.u16le(at), at + 2 + k < bytes.count else { return nil }
            return Float(Float16(bitPattern: d)) * Float(Int8(bitPattern: bytes[at + 2 + k]))
        }
    }

    /// torch, NumPy and safetensors dtype names that moat can sample.
    static func named(_ name: String) -> ElementEncoding? {
        switch name.lowercased() {
        case "f32", "float32", "float", "<f4": return .f32
        case "f16", "float16", "half", "<f2": return .f16
        case "bf16", "bfloat16": return .bf16
        case "f64", "float64", "double", "<f8": return .f64
        default: return nil
        }
    }
}

/// Where one tensor's values live in a file: enough to read any element with one bounded read.
/// Shapes are in PyTorch order (GGUF dims reversed back); strides are in elements.
public struct TensorLocation: Sendable {
    public var name: String
    public var shape: [Int]
    public var encoding: ElementEncoding
    /// Byte offset of storage element 0.
    public var dataOffset: Int
    /// Storage elements the file really holds from `dataOffset` (every index is checked against it).
    public var storageElements: Int
    /// Offset of element (0, ..., 0) in the storage, in elements.
    public var elementOffset = 0
    public var strides: [Int]

    public init(name: String, shape: [Int], encoding: ElementEncoding, dataOffset: Int, storageElements: Int,
                elementOffset: Int = 0, strides: [Int]? = nil) {
        self.name = name
        self.shape = shape
        self.encoding = encoding
        self.dataOffset = dataOffset
        self.storageElements = storageElements
        self.elementOffset = elementOffset
        self.strides = strides ?? TensorLocation.contiguousStrides(shape)
    }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc = checkedMul(acc, max(shape[i], 1)) ?? Int.max / 2
        }
        return strides
    }

    public var elements: Int? { checkedProduct(shape) }
    /// The 2-D view every sketch uses: dim 0 by everything else.
    public var rows: Int { shape.first ?? 0 }
    public var columns: Int { checkedProduct(shape.dropFirst()) ?? 0 }
    var isContiguous: Bool { strides == TensorLocation.contiguousStrides(shape) }

    /// Storage index of element (row, column) of the 2-D view; nil outside the tensor or the storage.
    func storageIndex(row: Int, column: Int) -> Int? {
        guard row >= 0, row < rows, column >= 0, column < columns, !shape.isEmpty else { return nil }
        var index = elementOffset
        guard let r = checkedMul(row, strides[0]), let s = checkedSum(index, r) else { return nil }
        index = s
        var rest = column
        for d in stride(from: shape.count - 1, through: 1, by: -1) {
            let n = shape[d]
            guard n > 0, let step = checkedMul(rest % n, strides[d]), let s2 = checkedSum(index, step) else { return nil }
            index = s2
            rest /= n
        }
        return index >= 0 && index < storageElements ? index : nil
    }
}
