/// HDF5 files: Keras weights and checkpoints (`.h5`, `.hdf5`, `.weights.h5`, `tf_model.h5`) and
/// everything else (scientific data, netCDF-4), reported as a dataset.
///
/// Recognition (source: HDF5 file format specification): the signature `89 48 44 46 0d 0a 1a 0a`
/// at 0 or at 512, 1024, 2048 ... (a user block), superblock version 0...3, and a root group
/// object header that parses. Keras is told apart by names in the head (`keras_version`,
/// `model_config`, `model_weights`, `layer_names`, `weight_names`; Keras 3: root groups `layers`
/// and `vars`) and, when the metadata can be walked, by the root group's members.
///
/// Counts come from a bounded walk of the group tree (symbol-table groups of superblock 0/1 as
/// h5py writes by default, and compact link messages of 2/3): each dataset's dataspace and
/// datatype give its elements and type. Dense link storage (fractal heaps, > 8 links per group
/// with `libver="latest"`) is not walked: then counts are left out and only the names decide.
public struct HDF5Sniffer: Sniffer {
    public let id = "hdf5"
    public init() {}

    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard let sig = HDF5Sniffer.signatureOffset(input.head) else { return .notMine }
        let reader = RandomReader(input, maxLoads: 4_096)
        guard let file = HDF5File.open(reader, signatureAt: sig) else { return .notMine }
        let walk = HDF5Walk(file)
        guard walk.run() else { return .notMine }
        if sig > 0 { walk.summaryDetails.append(("user_block", String(sig))) }
        return .found(HDF5Sniffer.classify(walk, head: input.head, format: nil))
    }

    /// Offset of the signature: 0, 512, 1024, 2048 ... within the head.
    static func signatureOffset(_ head: [UInt8]) -> Int? {
        var off = 0
        while off + 64 <= head.count {
            if head.has(signature, at: off) { return off }
            off = off == 0 ? 512 : off * 2
        }
        return nil
    }

    static let kerasMarkers = ["keras_version", "model_config", "model_weights", "layer_names", "weight_names"].map { Array($0.utf8) }

    /// Builds the detection from the walk and the names in `head`.
    /// `format` overrides the format id (the `.keras` archive reuses this for its weights member).
    static func classify(_ walk: HDF5Walk, head: [UInt8], format: String?) -> Detection {
        let rootNames = Set(walk.rootChildren)
        let nulName: (String) -> Bool = { head.firstRange(of: [0] + Array($0.utf8) + [0]) != nil }
        let keras2 = rootNames.contains("model_weights") || kerasMarkers.contains { head.firstRange(of: $0) != nil }
        let keras3 = (rootNames.contains("layers") && rootNames.contains("vars"))
            || (walk.rootChildren.isEmpty && nulName("layers") && nulName("vars"))
        var s = ArtifactSummary()
        for (k, v) in walk.summaryDetails { s.addDetail(k, v) }

        guard keras2 || keras3 || format != nil else {
            if walk.complete {
                s.tensors = walk.datasets.count
                s.parameters = walk.datasets.reduce(0) { saturatingAdd($0, $1.elements ?? 0) }
                for d in walk.datasets { s.addDtype(d.dtype) }
            }
            return Detection(format: "hdf5", category: .dataset, label: "HDF5 data file", summary: s)
        }

        // Optimizer state: Keras 2 `optimizer_weights/`, Keras 3 `optimizer/vars/`.
        let optimizerRoot = keras2 && !keras3 ? "optimizer_weights" : "optimizer"
        let isOptimizer: (HDF5Walk.Dataset) -> Bool = { $0.path.first == optimizerRoot }
        let model = walk.datasets.filter { !isOptimizer($0) }
        let optimizer = walk.datasets.filter(isOptimizer)
        var names = TensorNames()
        for d in model { names.add(d.path.joined(separator: "/")) }
        if walk.complete {
            s.tensors = model.count
            s.parameters = model.reduce(0) { saturatingAdd($0, $1.elements ?? 0) }
            for d in model { s.addDtype(d.dtype) }
            s.architecture = names.architecture
        }

        // Slot variables (rank >= 1) are training state; a lone iteration count and learning rate
        // (a compiled but untrained model, or plain SGD) are not.
        var training: Bool
        if walk.complete {
            training = optimizer.contains { $0.rank > 0 }
            if !optimizer.isEmpty {
                s.addNote(training ? "optimizer state: \(optimizer.count) tensors" : "optimizer variables without slot state")
                s.addDetail("optimizer_tensors", String(optimizer.count))
                s.addDetail("optimizer_parameters", String(optimizer.reduce(0) { saturatingAdd($0, $1.elements ?? 0) }))
            }
        } else {
            training = rootNames.contains(optimizerRoot) || head.firstRange(of: Array("optimizer_weights".utf8)) != nil
                || (keras3 && nulName("optimizer"))
        }
        if let o = walk.optimizerName { s.optimizer = o }
        if !training { s.optimizer = nil }

        let h5 = format == nil
        let d = Detection(format: format ?? "hdf5-keras", category: training ? .trainingCheckpoint : .modelWeights,
                          label: h5 ? (training ? "Keras training checkpoint (HDF5)" : "Keras model weights (HDF5)") : "Keras 3 model",
                          summary: s)
        return d
    }
}

/// Superblock facts and bounded reads of HDF5 structures in a region.
struct HDF5File {
    let r: RandomReader
    /// Region offset that file addresses are relative to.
    let base: Int
    /// Size of offsets and lengths in bytes.
    let O: Int, L: Int
    let superblockVersion: Int
    let rootHeader: Int

    static func open(_ r: RandomReader, signatureAt sig: Int) -> HDF5File? {
        guard let version = r.byte(sig + 8), version <= 3 else { return nil }
        let v = Int(version)
        var o = 0, l = 0, p = 0
        if v <= 1 {
            guard let fs = r.byte(sig + 9), fs == 0, let rootv = r.byte(sig + 10), rootv == 0,
                  let sh = r.byte(sig + 12), sh == 0, let so = r.byte(sig + 13), let sl = r.byte(sig + 14) else { return nil }
            o = Int(so); l = Int(sl)
            p = sig + (v == 0 ? 24 : 28)
        } else {
            guard let so = r.byte(sig + 9), let sl = r.byte(sig + 10) else { return nil }
            o = Int(so); l = Int(sl)
            p = sig + 12
        }
        guard [2, 4, 8].contains(o), [2, 4, 8].contains(l), let baseAddr = r.uint(p, width: o) else { return nil }
        // The base address is absolute: where the superblock sits (0, or the user block size).
        guard baseAddr == UInt64(sig) || baseAddr == 0 else { return nil }
        let base = Int(baseAddr)
        var rootAddr: UInt64?
        if v <= 1 {
            // base, free-space, end-of-file, driver-info addresses, then the root symbol table entry.
            guard let eof = r.uint(p + 2 * o, width: o), eof > 0 else { return nil }
            rootAddr = r.uint(p + 4 * o + o, width: o)
        } else {
            // base, superblock extension, end-of-file, root object header address.
            guard let eof = r.uint(p + 2 * o, width: o), eof > 0 else { return nil }
            rootAddr = r.uint(p + 3 * o, width: o)
        }
        guard let ra = rootAddr, ra < UInt64(r.length), base + Int(ra) < r.length else { return nil }
        return HDF5File(r: r, base: base, O: o, L: l, superblockVersion: v, rootHeader: base + Int(ra))
    }

    /// An address field at `p`, as a region offset; nil when undefined or outside the region.
    func address(_ p: Int) -> Int? {
        guard let a = r.uint(p, width: O), a != (O == 8 ? UInt64.max : (UInt64(1) << (8 * O)) - 1),
              a < UInt64(r.length - base) else { return nil }
        return base + Int(a)
    }
    func length(_ p: Int) -> Int? {
        guard let a = r.uint(p, width: L), a <= UInt64(Int.max) else { return nil }
        return Int(a)
    }

    /// A NUL-terminated name (at most 256 bytes).
    func cString(_ p: Int) -> String? {
        guard p >= 0, p < r.length else { return nil }
        let n = min(256, r.length - p)
        guard let b = r.bytes(p, n), let end = b.firstIndex(of: 0) else { return nil }
        return String(decoding: b[..<end], as: UTF8.self)
    }

    struct Message { var type: Int; var start: Int; var size: Int }

    /// The messages of the object header at `addr` (v1 or v2 `OHDR`), following continuations.
    func messages(_ addr: Int, limit: Int = 4_096) -> [Message]? {
        var out: [Message] = []
        var chunks: [(Int, Int, Bool)] = []  // (start, end, v2)
        if let sig = r.bytes(addr, 4), sig == Array("OHDR".utf8) {
            guard let version = r.byte(addr + 4), version == 2, let flags = r.byte(addr + 5) else { return nil }
            var p = addr + 6
            if flags & 0x20 != 0 { p += 16 }
            if flags & 0x10 != 0 { p += 4 }
            let w = 1 << Int(flags & 3)
            guard let size0 = r.uint(p, width: w), size0 <= UInt64(r.length) else { return nil }
            p += w
            guard Int(size0) <= r.length - p else { return nil }
            chunks.append((p, p + Int(size0), true))
            return walkChunks(chunks, creationOrder: flags & 0x04 != 0, limit: limit)
        }
        guard let version = r.byte(addr), version == 1, let hsize = r.u32(addr + 8) else { return nil }
        let start = addr + 16
        guard Int(hsize) <= r.length - start else { return nil }
        chunks.append((start, start + Int(hsize), false))
        out = walkChunks(chunks, creationOrder: false, limit: limit) ?? []
        return out.isEmpty && hsize > 0 ? nil : out
    }

    private func walkChunks(_ initial: [(Int, Int, Bool)], creationOrder: Bool, limit: Int) -> [Message]? {
        var chunks = initial
        var out: [Message] = []
        var seen = 0
        while let (start, end, v2) = chunks.first {
            chunks.removeFirst()
            seen += 1
            guard seen <= 64 else { break }
            var p = start
            let hdr = v2 ? (creationOrder ? 6 : 4) : 8
            while p + hdr <= end, out.count < limit {
                let type: Int, size: Int
                if v2 {
                    guard let t = r.byte(p), let s = r.u16(p + 1) else { return nil }
                    type = Int(t); size = Int(s)
                } else {
                    guard let t = r.u16(p), let s = r.u16(p + 2) else { return nil }
                    type = Int(t); size = Int(s)
                }
                let data = p + hdr
                guard size <= end - data else { return out.isEmpty ? nil : out }
                out.append(Message(type: type, start: data, size: size))
                if type == 0x10, let off = address(data), let len = length(data + O), len >= 8, len <= r.length - off {
                    if v2 {
                        guard let sig = r.bytes(off, 4), sig == Array("OCHK".utf8) else { return nil }
                        chunks.append((off + 4, off + len - 4, true))
                    } else {
                        chunks.append((off, off + len, false))
                    }
                }
                p = data + size
            }
        }
        return out
    }
}

/// A bounded walk of the group tree from the root.
final class HDF5Walk {
    struct Dataset { var path: [String]; var elements: Int?; var rank: Int; var dtype: String }

    let f: HDF5File
    var datasets: [Dataset] = []
    var rootChildren: [String] = []
    /// False when part of the tree could not be walked (budget, dense storage, unreadable bytes).
    var complete = true
    var summaryDetails: [(String, String)] = []
    var optimizerName: String?
    private var visited: Set<Int> = []
    private var objects = 0
    private var nodes = 0
    private var entries = 0
    private var messageBudget = 1_000_000

    static let maxObjects = 20_000
    static let maxDepth = 24
    static let maxNodes = 10_000
    /// Most group members listed over the whole walk.
    static let maxEntries = 100_000

    init(_ f: HDF5File) { self.f = f }

    /// Walks the tree; false when the root group itself does not parse (not HDF5).
    func run() -> Bool {
        guard let msgs = messages(f.rootHeader), isGroup(msgs) else { return false }
        rootAttributes(msgs)
        visitGroup(msgs, path: [], depth: 0)
        if !complete { summaryDetails.append(("datasets", "not all counted (dense link storage, budget or unreadable metadata)")) }
        return true
    }

    /// An object header's messages, charged to the walk's message budget.
    private func messages(_ addr: Int) -> [HDF5File.Message]? {
        guard messageBudget > 0 else { return nil }
        let m = f.messages(addr, limit: min(4_096, messageBudget))
        messageBudget -= max(1, m?.count ?? 0)
        return m
    }

    private func isGroup(_ msgs: [HDF5File.Message]) -> Bool {
        msgs.contains { $0.type == 0x11 || $0.type == 0x06 || $0.type == 0x02 }
    }

    private func visit(_ addr: Int, path: [String], depth: Int) {
        guard objects < HDF5Walk.maxObjects, depth <= HDF5Walk.maxDepth else { complete = false; return }
        guard visited.insert(addr).inserted else { return }
        objects += 1
        guard let msgs = messages(addr) else { complete = false; return }
        if isGroup(msgs) {
            // Keras 3 names the optimizer in `optimizer/vars` (attribute `name`); Keras 2 in `optimizer_weights/<name>`.
            if path == ["optimizer", "vars"] || path.first == "optimizer_weights" && path.count == 2 {
                if optimizerName == nil, let n = attributeStrings(msgs, ["name"])["name"] ?? (path[0] == "optimizer_weights" ? path[1] : nil) {
                    optimizerName = HDF5Walk.optimizerDisplayName(n)
                }
            }
            visitGroup(msgs, path: path, depth: depth)
        } else if let space = msgs.first(where: { $0.type == 0x01 }), let type = msgs.first(where: { $0.type == 0x03 }) {
            let (elements, rank) = dataspace(space)
            datasets.append(Dataset(path: path, elements: elements, rank: rank, dtype: datatype(type)))
        }
    }

    private func visitGroup(_ msgs: [HDF5File.Message], path: [String], depth: Int) {
        var children: [(String, Int)] = []
        if let st = msgs.first(where: { $0.type == 0x11 }) {
            guard let btree = f.address(st.start), let heap = f.address(st.start + f.O),
                  let heapData = localHeapData(heap) else { complete = false; return }
            symbolTable(btree, heapData: heapData, level: 0, into: &children)
        }
        for m in msgs where m.type == 0x06 {
            if let link = linkMessage(m) { children.append(link) }
        }
        if let info = msgs.first(where: { $0.type == 0x02 }), linkInfoIsDense(info) { complete = false }
        if path.isEmpty { rootChildren = children.map { $0.0 } }
        for (name, addr) in children {
            guard objects < HDF5Walk.maxObjects, messageBudget > 0 else { complete = false; return }
            visit(addr, path: path + [name], depth: depth + 1)
        }
    }

    /// Address of a local heap's data segment.
    private func localHeapData(_ heap: Int) -> Int? {
        guard let sig = f.r.bytes(heap, 4), sig == Array("HEAP".utf8) else { return nil }
        return f.address(heap + 8 + 2 * f.L)
    }

    /// Group B-tree (v1, node type 0): leaves point at symbol table nodes (`SNOD`).
    private func symbolTable(_ node: Int, heapData: Int, level: Int, into out: inout [(String, Int)]) {
        nodes += 1
        guard nodes <= HDF5Walk.maxNodes, level < 16, let sig = f.r.bytes(node, 4) else { complete = false; return }
        let O = f.O, L = f.L
        if sig == Array("SNOD".utf8) {
            guard let n = f.r.u16(node + 6) else { complete = false; return }
            let entry = 2 * O + 24
            for k in 0..<Int(n) {
                guard entries < HDF5Walk.maxEntries else { complete = false; return }
                entries += 1
                let e = node + 8 + k * entry
                guard let nameOff = f.length(e), nameOff < f.r.length, let obj = f.address(e + O),
                      let name = f.cString(heapData + nameOff) else { complete = false; return }
                out.append((name, obj))
            }
            return
        }
        guard sig == Array("TREE".utf8), let type = f.r.byte(node + 4), type == 0, let used = f.r.u16(node + 6) else {
            complete = false
            return
        }
        let first = node + 8 + 2 * O + L
        for k in 0..<Int(used) {
            guard nodes < HDF5Walk.maxNodes, let child = f.address(first + k * (L + O)) else { complete = false; return }
            symbolTable(child, heapData: heapData, level: level + 1, into: &out)
        }
    }

    /// Link message (type 6): a hard link's name and object header address.
    private func linkMessage(_ m: HDF5File.Message) -> (String, Int)? {
        let r = f.r
        guard let version = r.byte(m.start), version == 1, let flags = r.byte(m.start + 1) else { return nil }
        var p = m.start + 2
        var linkType: UInt8 = 0
        if flags & 0x08 != 0 { guard let t = r.byte(p) else { return nil }; linkType = t; p += 1 }
        if flags & 0x04 != 0 { p += 8 }
        if flags & 0x10 != 0 { p += 1 }
        let w = 1 << Int(flags & 3)
        guard let n = r.uint(p, width: w), n <= 65_535 else { return nil }
        p += w
        guard let name = r.bytes(p, Int(n)) else { return nil }
        p += Int(n)
        guard linkType == 0, let addr = f.address(p) else { return nil }
        return (String(decoding: name, as: UTF8.self), addr)
    }

    /// Link info (type 2): whether links are in a fractal heap (dense storage, not walked here).
    private func linkInfoIsDense(_ m: HDF5File.Message) -> Bool {
        guard let flags = f.r.byte(m.start + 1) else { return true }
        let p = m.start + 2 + (flags & 1 != 0 ? 8 : 0)
        return f.address(p) != nil
    }

    /// Dataspace (type 1): element count and rank.
    private func dataspace(_ m: HDF5File.Message) -> (Int?, Int) {
        let r = f.r
        guard let version = r.byte(m.start), let rank = r.byte(m.start + 1), rank <= 32 else { return (nil, 0) }
        var dimsAt = m.start + 8
        if version == 2 {
            guard let type = r.byte(m.start + 3) else { return (nil, 0) }
            if type == 2 { return (0, 0) }
            dimsAt = m.start + 4
        } else if version != 1 {
            return (nil, 0)
        }
        var dims: [Int] = []
        for k in 0..<Int(rank) {
            guard let d = f.length(dimsAt + k * f.L) else { return (nil, Int(rank)) }
            dims.append(d)
        }
        return (checkedProduct(dims), Int(rank))
    }

    /// Datatype (type 3), named as NumPy does.
    private func datatype(_ m: HDF5File.Message) -> String {
        let r = f.r
        guard let cv = r.byte(m.start), let bits = r.byte(m.start + 1), let size = r.u32(m.start + 4) else { return "unknown" }
        switch cv & 0x0F {
        case 0: return (bits & 0x08 != 0 ? "int" : "uint") + String(8 * Int(size))
        case 1: return "float" + String(8 * Int(size))
        case 2: return "time"
        case 3: return "string"
        case 4: return "bitfield"
        case 5: return "opaque"
        case 6: return "compound"
        case 7: return "reference"
        case 8: return "enum"
        case 9: return "vlen"
        case 10: return "array"
        default: return "unknown"
        }
    }

    /// Root attributes worth showing (Keras 2 files: `keras_version`, `backend`, `training_config`).
    private func rootAttributes(_ msgs: [HDF5File.Message]) {
        let a = attributeStrings(msgs, ["keras_version", "backend", "training_config"])
        if let v = a["keras_version"] { summaryDetails.append(("keras_version", String(v.prefix(64)))) }
        if let v = a["backend"] { summaryDetails.append(("backend", String(v.prefix(64)))) }
        if let tc = a["training_config"] {
            let b = Array(tc.utf8)
            if let json = JSONScanner.parse(b, 0..<b.count), let name = json["optimizer_config"]?["class_name"]?.string {
                optimizerName = name
            }
        }
    }

    static func optimizerDisplayName(_ n: String) -> String {
        let known = ["adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
                     "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam", "ftrl": "Ftrl", "lion": "Lion",
                     "adafactor": "Adafactor", "lamb": "LAMB"]
        // Keras names optimizers in snake case with a uniquifying suffix: `adam_w`, `sgd_1`.
        var parts = n.lowercased().split(separator: "_")
        if parts.count > 1, let last = parts.last, last.allSatisfy({ $0.isNumber }) { parts.removeLast() }
        return known[parts.joined()] ?? String(n.prefix(64))
    }

    /// String attributes (type 0x0C) with the given names: fixed-length strings, or variable-length
    /// strings in the global heap. Values are capped at 64 KiB.
    func attributeStrings(_ msgs: [HDF5File.Message], _ wanted: Set<String>) -> [String: String] {
        var out: [String: String] = [:]
        let r = f.r
        for m in msgs where m.type == 0x0C {
            guard let version = r.byte(m.start), version >= 1, version <= 3,
                  let nameSize = r.u16(m.start + 2), let typeSize = r.u16(m.start + 4), let spaceSize = r.u16(m.start + 6) else { continue }
            var p = m.start + (version == 3 ? 9 : 8)
            let pad: (Int) -> Int = { version == 1 ? ($0 + 7) & ~7 : $0 }
            guard nameSize > 0, let nameBytes = r.bytes(p, Int(nameSize)) else { continue }
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            guard wanted.contains(name), out[name] == nil else { continue }
            p += pad(Int(nameSize))
            let typeAt = p
            p += pad(Int(typeSize))
            p += pad(Int(spaceSize))
            let dataAt = p
            guard let cv = r.byte(typeAt), let tsize = r.u32(typeAt + 4) else { continue }
            switch cv & 0x0F {
            case 3:
                guard tsize <= 65_536, let b = r.bytes(dataAt, Int(tsize)) else { continue }
                out[name] = String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
            case 9:
                // Variable-length: u32 length, then a global heap id (collection address, u32 index).
                guard let len = r.u32(dataAt), len <= 65_536, let coll = f.address(dataAt + 4),
                      let index = r.u32(dataAt + 4 + f.O), let b = globalHeapObject(coll, index: Int(index)) else { continue }
                out[name] = String(decoding: b.prefix(Int(len)), as: UTF8.self)
            default:
                continue
            }
        }
        return out
    }

    /// One object of a global heap collection (`GCOL`), at most 64 KiB.
    private func globalHeapObject(_ coll: Int, index: Int) -> [UInt8]? {
        let r = f.r
        guard let sig = r.bytes(coll, 4), sig == Array("GCOL".utf8), let csize = f.length(coll + 8),
              csize <= r.length - coll else { return nil }
        let end = coll + csize
        var p = coll + 8 + f.L
        var steps = 0
        while p + 8 + f.L <= end, steps < 4_096 {
            steps += 1
            guard let idx = r.u16(p), let size = f.length(p + 8) else { return nil }
            if idx == 0 { return nil }
            let data = p + 8 + f.L
            guard size <= end - data else { return nil }
            if Int(idx) == index { return size <= 65_536 ? r.bytes(data, size) : nil }
            p = data + ((size + 7) & ~7)
        }
        return nil
    }
}
