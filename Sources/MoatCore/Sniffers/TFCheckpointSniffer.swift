/// TensorFlow checkpoint indexes (`ckpt-1.index`, `model.ckpt-100.index`, a SavedModel's
/// `variables/variables.index`; source: TF `tsl/lib/io/format.h`, `tensor_bundle.proto`; research 2.11).
///
/// The index is a LevelDB-style table: prefix-compressed entries in data blocks (each ending in a
/// restart array), an index block of block handles, and a 48-byte footer ending in the magic
/// 0xdb4775248b80fb57. Its first key is empty and holds a `BundleHeaderProto`; every other key is a
/// variable name whose `BundleEntryProto` gives dtype and shape, so the index alone yields exact
/// tensor and parameter counts. The weights themselves are the headerless `.data-NNNNN-of-NNNNN`
/// shards beside it. TF writes the table uncompressed; a compressed block is reported, not read.
public struct TFCheckpointSniffer: Sniffer {
    public let id = "tf-checkpoint"
    public init() {}

    static let footerMagic: UInt64 = 0xdb47_7524_8b80_fb57
    static let footerSize = 48
    /// Most bytes of blocks read (about 80 bytes per variable: some 100,000 variables).
    static let maxBlockBytes = 8 << 20
    static let maxEntries = 200_000
    static let checkpointGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH"

    /// TensorFlow `DataType` numbers to the names TF prints.
    static let dtypeNames: [UInt64: String] = [1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
                                               8: "complex64", 9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 18: "complex128",
                                               19: "float16", 20: "resource", 21: "variant", 22: "uint32", 23: "uint64"]
    /// Variable-name fragments of optimizer slots and state (TF1 `Adam`/`Adam_1`, Keras 2 slots, Keras 3 `optimizer/`).
    static let optimizerMarkers: [(String, String)] = [("/Adam", "Adam"), ("beta1_power", "Adam"), ("/Momentum", "Momentum"),
                                                       ("/RMSProp", "RMSProp"), ("/Adagrad", "Adagrad"), ("/Ftrl", "Ftrl"),
                                                       (".OPTIMIZER_SLOT", ""), ("optimizer/", "")]

    struct Variable {
        var name: String
        var dtype: UInt64?
        var elements: Int?
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        // First entry: shared 0, unshared 0 (the empty key), a short value that is a BundleHeaderProto.
        guard h.count >= 8, h[0] == 0, h[1] == 0, let (vlen, v0) = ProtoWalk.varint(h, 2), vlen >= 2, vlen <= 64,
              Int(vlen) <= h.count - v0, let header = TFCheckpointSniffer.bundleHeader(h, v0..<(v0 + Int(vlen))) else { return .notMine }
        var problems: [String] = []
        var variables: [Variable] = []
        var truncated = false
        if let blocks = TFCheckpointSniffer.dataBlocks(input) {
            var budget = TFCheckpointSniffer.maxBlockBytes
            for block in blocks {
                guard block.count <= budget, let bytes = input.bytes(at: block.lowerBound, count: block.count + 1),
                      bytes.count == block.count + 1 else { truncated = true; break }
                budget -= block.count
                guard bytes[block.count] == 0 else {
                    problems.append("a compressed table block: variables not read")
                    break
                }
                guard TFCheckpointSniffer.entries(bytes, 0..<block.count, restarts: true, into: &variables) else { return .notMine }
            }
        } else {
            // No footer in reach (a cut file): the first block's entries as far as they parse.
            guard TFCheckpointSniffer.entries(h, 0..<h.count, restarts: false, into: &variables) else { return .notMine }
            problems.append("no table footer: read the entries of the first \(FindingMessage.bytes(h.count))")
        }
        // The header alone is 9 bytes of zeros and small numbers: a variable entry must follow.
        guard variables.contains(where: { !$0.name.isEmpty }) else { return .notMine }
        if truncated { problems.append("truncated: read the first \(variables.count) variables") }
        return .found(TFCheckpointSniffer.detection(variables.filter { !$0.name.isEmpty }, shards: header, problems: problems))
    }

    static func detection(_ vars: [Variable], shards: UInt64, problems: [String]) -> Detection {
        var s = ArtifactSummary()
        var names = TensorNames()
        var count = 0, elements = 0, known = true, optimizer: String?, slots = 0
        for v in vars where v.name != checkpointGraphKey {
            count += 1
            names.add(v.name)
            if let e = v.elements { elements = saturatingAdd(elements, e) } else { known = false }
            if let d = v.dtype { s.addDtype(dtypeNames[d] ?? "dtype \(d)") }
            if let m = optimizerMarkers.first(where: { v.name.contains($0.0) }) {
                slots += 1
                if optimizer == nil, !m.1.isEmpty { optimizer = m.1 }
            }
        }
        s.tensors = count
        if known { s.parameters = elements }
        s.architecture = names.architecture
        s.addDetail("shards", String(shards))
        if vars.contains(where: { $0.name == checkpointGraphKey }) { s.addNote("TF2 object checkpoint") }
        let training = slots > 0
        if training {
            s.optimizer = optimizer
            s.addNote("\(slots) of \(count) variables are optimizer slots")
        }
        s.addNote(shards == 1 ? "weights in the .data-00000-of-00001 shard" : "weights in \(shards) .data-* shards")
        return Detection(format: "tf-checkpoint", category: training ? .trainingCheckpoint : .modelWeights,
                         label: training ? "TensorFlow training checkpoint (index)" : "TensorFlow checkpoint (index)", summary: s, problems: problems)
    }

    /// `BundleHeaderProto`: num_shards (1), endianness (2), version (3); the shard count, or nil.
    static func bundleHeader(_ b: [UInt8], _ r: Range<Int>) -> UInt64? {
        guard let fields = ProtoFields.parse(b, r) else { return nil }
        var shards: UInt64?
        for f in fields {
            switch (f.number, f.wire) {
            case (1, 0): shards = f.value
            case (2, 0): guard f.value <= 1 else { return nil }
            case (3, 2): guard ProtoFields.parse(b, f.body) != nil else { return nil }
            default: return nil
            }
        }
        guard let shards, shards >= 1, shards <= 1 << 20 else { return nil }
        return shards
    }

    /// The data blocks the footer's index block lists, or nil without a valid footer.
    static func dataBlocks(_ input: SniffInput) -> [Range<Int>]? {
        guard input.size >= footerSize, let footer = input.bytes(at: input.size - footerSize, count: footerSize),
              footer.u64le(40) == footerMagic, let (_, q) = handle(footer, 0), let (index, _) = handle(footer, q),
              index.upperBound <= input.size - footerSize, index.count >= 4, index.count <= maxBlockBytes,
              let block = input.bytes(at: index.lowerBound, count: index.count), block.count == index.count else { return nil }
        var out: [Range<Int>] = []
        // Index entries: key = a separator, value = the block handle.
        guard walk(block, 0..<block.count, restarts: true, visit: { _, value in
            guard let (r, _) = handle(value, 0), r.upperBound <= index.lowerBound else { return false }
            out.append(r)
            return out.count <= maxEntries
        }) else { return nil }
        return out
    }

    /// A `BlockHandle` (varint offset, varint size) at `p`.
    static func handle(_ b: [UInt8], _ p: Int) -> (Range<Int>, Int)? {
        guard let (off, q) = ProtoWalk.varint(b, p), let (size, q2) = ProtoWalk.varint(b, q),
              off <= UInt64(Int.max / 2), size <= UInt64(Int.max / 2) else { return nil }
        return (Int(off)..<(Int(off) + Int(size)), q2)
    }

    /// Appends the variables of one block; false when an entry is not a bundle entry.
    static func entries(_ b: [UInt8], _ r: Range<Int>, restarts: Bool, into vars: inout [Variable]) -> Bool {
        var stop = false
        let ok = walk(b, r, restarts: restarts) { key, value in
            guard vars.count < maxEntries else { stop = true; return false }
            if key.isEmpty { vars.append(Variable(name: "", dtype: nil, elements: nil)); return true }
            guard let v = bundleEntry(value, name: key) else { return false }
            vars.append(v)
            return true
        }
        // A cut first block (no footer) ends in a partial entry: what parsed before it counts.
        return ok || stop || (!restarts && !vars.isEmpty)
    }

    /// Walks the prefix-compressed entries of a block, calling `visit(key, value)`; false when malformed.
    static func walk(_ b: [UInt8], _ r: Range<Int>, restarts: Bool, visit: (String, [UInt8]) -> Bool) -> Bool {
        var end = r.upperBound
        if restarts {
            guard r.count >= 4, let n = b.u32le(r.upperBound - 4), let arr = checkedMul(Int(n), 4), arr <= r.count - 4 else { return false }
            end = r.upperBound - 4 - arr
        }
        var p = r.lowerBound
        var key: [UInt8] = []
        while p < end {
            guard let (shared, q1) = ProtoWalk.varint(b, p), let (unshared, q2) = ProtoWalk.varint(b, q1),
                  let (vlen, q3) = ProtoWalk.varint(b, q2), shared <= UInt64(key.count), unshared <= 4096, vlen <= 1 << 20,
                  Int(unshared) + Int(vlen) <= end - q3 else { return false }
            key = Array(key.prefix(Int(shared))) + b[q3..<(q3 + Int(unshared))]
            let v0 = q3 + Int(unshared)
            guard key.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), visit(String(decoding: key, as: UTF8.self), Array(b[v0..<(v0 + Int(vlen))])) else {
                return false
            }
            p = v0 + Int(vlen)
        }
        return true
    }

    /// `BundleEntryProto`: dtype (1), shape (2), shard_id (3), offset (4), size (5), crc32c (6, fixed32), slices (7).
    static func bundleEntry(_ b: [UInt8], name: String) -> Variable? {
        guard let fields = ProtoFields.parse(b, 0..<b.count) else { return nil }
        var v = Variable(name: name, dtype: nil, elements: 1)
        for f in fields {
            switch (f.number, f.wire) {
            case (1, 0): v.dtype = f.value
            case (2, 2): v.elements = shapeElements(b, f.body)
            case (3, 0), (4, 0), (5, 0), (6, 5), (7, 2): break
            default: return nil
            }
        }
        guard v.dtype != nil else { return nil }
        return v
    }

    /// Elements of a `TensorShapeProto` (dim = 2 with size = 1; unknown_rank = 3), nil when unknown.
    static func shapeElements(_ b: [UInt8], _ r: Range<Int>) -> Int? {
        guard let fields = ProtoFields.parse(b, r) else { return nil }
        var dims: [Int] = []
        for f in fields {
            if f.number == 3 { return nil }
            guard f.number == 2, f.wire == 2, let dim = ProtoFields.parse(b, f.body) else { continue }
            let size = dim.first(where: { $0.number == 1 && $0.wire == 0 })?.value ?? 0
            guard size < 1 << 62 else { return nil }
            dims.append(Int(size))
        }
        return checkedProduct(dims)
    }
}
