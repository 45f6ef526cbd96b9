/// TensorFlow SavedModel graphs (`saved_model.pb`; source: TF `saved_model.proto`, `meta_graph.proto`;
/// research 2.11).
///
/// `SavedModel` is `saved_model_schema_version` (1) = 1 then `meta_graphs` (2), each a `MetaGraphDef`
/// whose first field is `meta_info_def` (1): the op list the graph uses (2), its tags (4, `serve`)
/// and the TensorFlow version that wrote it (5). Recognition: that prefix, a meta graph that fits in
/// the file and a `MetaInfoDef` that parses with tags or a version. The graph is the model's code;
/// its weights live in `variables/variables.index` + `.data-*` (found by `TFCheckpointSniffer`), so
/// the graph is a model asset.
public struct TFSavedModelSniffer: Sniffer {
    public let id = "tf-savedmodel"
    public init() {}

    /// Largest `MetaInfoDef` read (an op list of a few hundred ops is 50-100 KiB).
    static let maxInfoBytes = 1 << 20

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 8, h[0] == 0x08, h[1] == 0x01, h[2] == 0x12, let (graphLen, g0) = ProtoWalk.varint(h, 3),
              graphLen <= UInt64(input.size - g0), h.count > g0, h[g0] == 0x0A,
              let (infoLen, i0) = ProtoWalk.varint(h, g0 + 1), infoLen <= graphLen, infoLen <= UInt64(TFSavedModelSniffer.maxInfoBytes),
              let info = input.bytes(at: i0, count: Int(infoLen)), info.count == Int(infoLen),
              let fields = ProtoFields.parse(info, 0..<info.count), fields.allSatisfy({ (1...8).contains($0.number) }) else { return .notMine }
        var s = ArtifactSummary()
        var tags: [String] = [], version: String?, ops: [String] = []
        for f in fields {
            switch (f.number, f.wire) {
            case (2, 2):
                for op in ProtoFields.parse(info, f.body) ?? [] where op.number == 1 && op.wire == 2 {
                    if let name = (ProtoFields.parse(info, op.body) ?? []).first(where: { $0.number == 1 && $0.wire == 2 }) {
                        ops.append(DisplayText.decode(Array(info[name.body])))
                    }
                }
            case (4, 2): tags.append(DisplayText.decode(Array(info[f.body])))
            case (5, 2): version = DisplayText.decode(Array(info[f.body]))
            default: break
            }
        }
        guard !tags.isEmpty || version != nil else { return .notMine }
        if let version { s.addDetail("tensorflow_version", version); s.addNote("TensorFlow \(version)") }
        if !tags.isEmpty { s.addNote("tags: " + tags.prefix(8).joined(separator: ", ")) }
        s.addDetail("ops", String(ops.count))
        let variables = ops.contains { ["VarHandleOp", "VariableV2", "RestoreV2"].contains($0) }
        if variables { s.addNote("weights in variables/") }
        return .found(Detection(format: id, category: .modelAsset, label: "TensorFlow SavedModel graph", summary: s))
    }
}
