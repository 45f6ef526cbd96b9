/// The metadata Hugging Face `datasets` writes next to its Arrow shards (`save_to_disk`):
/// `dataset_info.json` (features, splits, citation, license ...) and `state.json` (the shard file
/// list, fingerprint, format). Assets, never a leak by themselves (category `model-asset`, always
/// `info`): they say a dataset sits beside them, and what its columns are.
///
/// Recognition by content (text, so it runs before `TextSniffer`): a JSON object of at most
/// `maxBytes` whose head names `"features"` or `"_data_files"` (others are never parsed), with
/// `_data_files` and `_fingerprint` (state), or with an object `features` and at least two of the
/// other `DatasetInfo` keys (info).
public struct HFDatasetMetadataSniffer: Sniffer {
    public let id = "hf-dataset-metadata"
    public init() {}

    static let maxBytes = 1 << 20
    static let infoKeys: Set<String> = ["citation", "description", "homepage", "license", "splits", "builder_name", "dataset_name",
                                        "config_name", "download_checksums", "download_size", "dataset_size", "version"]

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size <= HFDatasetMetadataSniffer.maxBytes, input.size >= 16,
              let first = input.head.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }), first == UInt8(ascii: "{"),
              // Only a JSON naming one of the two telling keys up front is parsed whole.
              input.head.firstRange(of: ascii("\"features\"")) != nil || input.head.firstRange(of: ascii("\"_data_files\"")) != nil,
              let bytes = input.prefix(input.size), bytes.count == input.size else { return .notMine }
        var keys: Set<String> = []
        var features: [String]?
        var splits: [String] = []
        var shards: Int?
        let ok = JSONScanner.forEachMember(bytes, 0..<bytes.count) { key, value, _ in
            keys.insert(key)
            switch key {
            case "features": features = value.members?.map(\.0)
            case "splits": splits = value.members?.map(\.0) ?? []
            case "_data_files": shards = value.array?.count
            default: break
            }
            return keys.count <= 256
        }
        guard ok == true else { return .notMine }
        var s = ArtifactSummary()
        let label: String
        if keys.contains("_data_files"), keys.contains("_fingerprint") {
            label = "Hugging Face dataset state (state.json)"
            if let n = shards { s.addNote(DatasetFacts.count(n, "Arrow shard")) }
        } else if let f = features, keys.intersection(HFDatasetMetadataSniffer.infoKeys).count >= 2 {
            label = "Hugging Face dataset info (dataset_info.json)"
            s.addNote(DatasetFacts.count(f.count, "column"))
            s.addDetail("columns", String(f.count))
            if !f.isEmpty { s.addDetail("column_names", DatasetFacts.names(f)) }
            if !splits.isEmpty { s.addNote("splits: " + DatasetFacts.names(splits, limit: 8)) }
        } else {
            return .notMine
        }
        var d = Detection(format: id, category: .modelAsset, label: label, summary: s)
        d.isText = true
        return .found(d)
    }
}
