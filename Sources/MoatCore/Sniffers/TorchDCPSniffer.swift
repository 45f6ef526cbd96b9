import MoatBytes

/// `torch.distributed.checkpoint` metadata (`.metadata` beside `__<rank>_<n>.distcp`; FSDP, Megatron
/// `torch_dist`, NeMo 2; source: `torch/distributed/checkpoint/metadata.py`; research 2.6).
///
/// A pickle whose first global is `torch.distributed.checkpoint.metadata.Metadata`, with
/// `state_dict_metadata` mapping every flattened key (`model.0.weight`, `optim.state.0.exp_avg`) to a
/// `TensorStorageMetadata` (properties with the dtype, `size` a `torch.Size`) or a
/// `BytesStorageMetadata`. The walk (never unpickled) gives exact tensors, shapes and dtypes, and
/// the keys tell model from optimizer state. The `.distcp` files are torch.save zips, found as such.
public struct TorchDCPSniffer: Sniffer {
    public let id = "torch-dcp"
    public init() {}

    static let module = "torch.distributed.checkpoint.metadata"

    struct Entry {
        var key: String
        var elements: Int?
        var dtype: String?
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 64, h[0] == 0x80, (2...5).contains(h[1]), h.prefix(128).contains(Array(TorchDCPSniffer.module.utf8)) else {
            return .notMine
        }
        var limits = PickleWalker.Limits()
        limits.window = 256 * 1024
        let walk = PickleWalker.walk(total: input.size, start: 0, limits: limits) { input.bytes(at: $0, count: $1) }
        guard walk.globals.contains(where: { $0.module == TorchDCPSniffer.module && $0.name == "Metadata" }) else { return .notMine }
        let entries = TorchDCPSniffer.tensorEntries(walk)
        var problems: [String] = []
        if !walk.reachedStop { problems.append("metadata pickle not read to its end") }
        let optimizer = entries.filter { e in TensorNames.optimizerMarkers.contains { e.key.contains($0) } }
        let model = entries.filter { e in !TensorNames.optimizerMarkers.contains { e.key.contains($0) } }
        var s = ArtifactSummary()
        var names = TensorNames()
        for e in model { names.add(e.key) }
        s.tensors = model.count
        if model.allSatisfy({ $0.elements != nil }) { s.parameters = model.reduce(0) { saturatingAdd($0, $1.elements ?? 0) } }
        for e in model { if let d = e.dtype { s.addDtype(d) } }
        s.architecture = names.architecture
        var category = Category.modelWeights
        var label = "PyTorch distributed checkpoint metadata (weights)"
        if !optimizer.isEmpty {
            let keys = optimizer.map(\.key)
            if keys.contains(where: { $0.hasSuffix("exp_avg_sq") }) { s.optimizer = "Adam/AdamW" }
            else if keys.contains(where: { $0.hasSuffix("momentum_buffer") }) { s.optimizer = "SGD with momentum" }
            s.addNote("\(optimizer.count) optimizer tensors, \(FindingMessage.count(optimizer.reduce(0) { saturatingAdd($0, $1.elements ?? 0) })) elements")
            category = model.isEmpty ? .optimizerState : .trainingCheckpoint
            label = model.isEmpty ? "PyTorch distributed checkpoint metadata (optimizer state)" : "PyTorch distributed checkpoint metadata (training state)"
        }
        if entries.isEmpty { s.tensors = nil; s.parameters = nil }
        s.addNote("tensors in the .distcp files")
        return .found(Detection(format: id, category: category, label: label, summary: s, problems: problems))
    }

    /// The `TensorStorageMetadata` entries of `root.state_dict_metadata`.
    static func tensorEntries(_ w: PickleWalk) -> [Entry] {
        guard let root = w.root, let sdm = dict(w, state(w, root))?.first(where: { $0.0 == "state_dict_metadata" })?.1,
              let items = dict(w, sdm) else { return [] }
        var out: [Entry] = []
        for (key, value) in items {
            guard className(w, value) == "TensorStorageMetadata" else { continue }
            var e = Entry(key: key)
            let fields = dict(w, state(w, value)) ?? []
            if let size = fields.first(where: { $0.0 == "size" })?.1 { e.elements = elements(w, size) }
            if let props = fields.first(where: { $0.0 == "properties" })?.1, let st = w.container(state(w, props)) {
                e.dtype = st.items.lazy.compactMap { v -> String? in
                    if case .global(let g) = v, g < w.globals.count, w.globals[g].module == "torch" { return w.globals[g].name }
                    if case .dtype(let d) = v { return d }
                    return nil
                }.first
            }
            out.append(e)
        }
        return out
    }

    /// Elements of a `torch.Size((d0, d1, ...))` object.
    static func elements(_ w: PickleWalk, _ v: PickleValue) -> Int? {
        guard case .container(let i) = v, let o = w.objects[i], let args = w.container(o.args), let dims = w.container(args.items.first ?? .none) else { return nil }
        var out: [Int] = []
        for d in dims.items {
            guard case .int(let n) = d else { return nil }
            out.append(n)
        }
        return checkedProduct(out)
    }

    static func state(_ w: PickleWalk, _ v: PickleValue) -> PickleValue {
        guard case .container(let i) = v, let o = w.objects[i] else { return .none }
        return o.state
    }

    static func className(_ w: PickleWalk, _ v: PickleValue) -> String? {
        guard case .container(let i) = v, let o = w.objects[i], case .global(let g) = o.callable, g < w.globals.count else { return nil }
        return w.globals[g].name
    }

    /// A dict's string-keyed items.
    static func dict(_ w: PickleWalk, _ v: PickleValue) -> [(String, PickleValue)]? {
        guard let c = w.container(v), c.kind == .dict else { return nil }
        var out: [(String, PickleValue)] = []
        var k = 0
        while k + 1 < c.items.count {
            if case .string(let s) = c.items[k] { out.append((s, c.items[k + 1])) }
            k += 2
        }
        return out
    }
}
