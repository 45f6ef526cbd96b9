/// Core ML model specs (`.mlmodel`, and `model.mlmodel` inside an `.mlpackage`; source: coremltools
/// `mlmodel/format/Model.proto`; research 2.17).
///
/// A `Model` protobuf: `specificationVersion` (1, varint 1...20), `description` (2, whose fields are
/// inputs, outputs, predicted names, training inputs and metadata), then one model-type field
/// (pipelines 200-202, GLMs and trees 300-4xx, `neuralNetwork*` 500/403/404, `mlProgram` 502 ...).
/// Recognition: that prefix, a description that parses with only its own fields, and a model-type
/// field after it. An ML program keeps its weights in `weights/weight.bin` (`CoreMLWeightsSniffer`),
/// so its spec is an asset; other model types carry their weights inside the spec.
public struct CoreMLSniffer: Sniffer {
    public let id = "coreml"
    public init() {}

    static let descriptionFields: Set<UInt64> = [1, 10, 11, 12, 50, 100]
    static let mlProgram: UInt64 = 502

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 8, h[0] == 0x08, (1...20).contains(h[1]), h[2] == 0x12, let (dlen, d0) = ProtoWalk.varint(h, 3),
              dlen >= 2, dlen <= UInt64(h.count - d0), let desc = ProtoFields.parse(h, d0..<(d0 + Int(dlen))), !desc.isEmpty,
              desc.allSatisfy({ CoreMLSniffer.descriptionFields.contains($0.number) && $0.wire == 2 }),
              let (tag, _) = ProtoWalk.varint(h, d0 + Int(dlen)) else { return .notMine }
        let field = tag >> 3
        guard tag & 7 == 2 || field == 10, field == 10 || (200...999).contains(field) else { return .notMine }
        var s = ArtifactSummary()
        s.addDetail("specification_version", String(h[1]))
        s.addDetail("inputs", String(desc.filter { $0.number == 1 }.count))
        s.addDetail("outputs", String(desc.filter { $0.number == 10 }.count))
        if field == CoreMLSniffer.mlProgram {
            s.addNote("ML program: weights in weights/weight.bin")
            return .found(Detection(format: id, category: .modelAsset, label: "Core ML ML program spec", summary: s))
        }
        if field != 10 { s.addDetail("model_type_field", String(field)) }
        return .found(Detection(format: id, category: .modelWeights, label: "Core ML model", summary: s))
    }
}
