/// GGUF (llama.cpp / ggml), versions 1-3: magic `GGUF`, version, tensor and metadata counts, the
/// metadata key/value pairs, then the tensor infos. The metadata is walked value by value without
/// allocating by declared counts; the tensor list is read when it lies within `walkLimit` bytes
/// (big vocabularies push it a few MB into the file).
public struct GGUFSniffer: Sniffer {
    public let id = "gguf"
    public init() {}

    static let walkLimit = 64 * 1024 * 1024

    static let typeNames: [UInt32: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K",
        12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S",
        20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64",
        29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
    ]
    /// Byte sizes of the fixed-size metadata value types (8 = string and 9 = array are variable).
    static let scalarSize: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 16, h.has(ascii("GGUF"), at: 0), let rawVersion = h.u32le(4) else { return .notMine }
        guard rawVersion >= 1 && rawVersion <= 3 else {
            // Big-endian files read as 0x0N000000 here.
            if rawVersion & 0xFFFF == 0, (rawVersion >> 24) >= 1 && (rawVersion >> 24) <= 3 {
                var d = Detection(format: id, category: .modelWeights, label: "GGUF model (big-endian)")
                d.summary.addDetail("version", String(rawVersion >> 24))
                return .found(d)
            }
            return .notMine
        }
        let wide = rawVersion >= 2  // v1 used 32-bit counts and lengths
        var c = ByteCursor(input, at: 8, limit: GGUFSniffer.walkLimit)
        func count() -> UInt64? { wide ? c.u64() : c.u32().map(UInt64.init) }
        guard let tensorCount = count(), let kvCount = count(), tensorCount < 10_000_000, kvCount < 1_000_000 else { return .notMine }

        var s = ArtifactSummary()
        s.addDetail("version", String(rawVersion))
        var detection = Detection(format: id, category: .modelWeights, label: "GGUF model")
        var training = false
        var complete = true
        var firstKeySeen = false
        var split: [String: Int] = [:]

        func readBytes() -> [UInt8]? {
            guard let len = count(), len <= 1 << 24 else { return nil }
            return c.bytes(Int(len))
        }
        func readString() -> String? { readBytes().map { String(decoding: $0, as: UTF8.self) } }
        func skipValue(_ type: UInt32, depth: Int) -> Bool {
            if let size = GGUFSniffer.scalarSize[type] { return c.skip(size) }
            if type == 8 { guard let len = count() else { return false }; return len <= UInt64(Int.max) && c.skip(Int(len)) }
            guard type == 9, depth < 3, let elementType = c.u32(), let n = count() else { return false }
            if let size = GGUFSniffer.scalarSize[elementType] {
                let (total, o) = Int(clamping: n).multipliedReportingOverflow(by: size)
                return !o && c.skip(total)
            }
            var i: UInt64 = 0
            while i < n { guard skipValue(elementType, depth: depth + 1) else { return false }; i += 1 }
            return true
        }

        for _ in 0..<kvCount {
            guard let key = readString(), let type = c.u32(), type <= 12 else { complete = false; break }
            if !firstKeySeen {
                // The first key must look like a GGUF key: short, printable, dotted lower case.
                guard !key.isEmpty, key.utf8.count < 256, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .notMine }
                firstKeySeen = true
            }
            if key.hasPrefix("training.") || key.contains("optimizer") { training = true }
            if type == 8, ["general.architecture", "general.name", "general.size_label", "general.type", "adapter.type", "general.basename"].contains(key) {
                // Shown to people: invalid UTF-8 is escaped byte by byte, not replaced.
                guard let v = readBytes() else { complete = false; break }
                let value = DisplayText.decode(v.prefix(480)).unicodeScalars.prefix(120).reduce(into: "") { $0.unicodeScalars.append($1) }
                s.addDetail(key, value)
                if key == "general.architecture" { s.architecture = value }
                if key == "general.type" && value == "adapter" || key == "adapter.type" { s.addNote("LoRA/adapter") }
            } else if type == 9, key == "tokenizer.ggml.tokens" {
                guard let et = c.u32(), let n = count() else { complete = false; break }
                s.addDetail("vocabulary", String(n))
                var i: UInt64 = 0
                var ok = true
                while i < n { if !skipValue(et, depth: 1) { ok = false; break }; i += 1 }
                if !ok { complete = false; break }
            } else if type == 4 || type == 5, key == "general.file_type", let v = c.u32() {
                s.addDetail(key, String(v))
            } else if (2...5).contains(type), ["split.no", "split.count", "split.tensors.count"].contains(key) {
                // gguf-split / GGUFWriter(split_max_tensors=...) shards: which one this is, of how many.
                guard let v = type <= 3 ? c.bytes(2).map({ Int($0[0]) | Int($0[1]) << 8 }) : c.u32().map({ Int($0) }) else { complete = false; break }
                split[key] = v
            } else {
                guard skipValue(type, depth: 0) else { complete = false; break }
            }
        }

        if complete {
            var parameters = 0
            var tensors = 0
            for _ in 0..<tensorCount {
                guard let nameLen = count(), nameLen <= 1 << 16, c.skip(Int(nameLen)), let nDims = c.u32(), nDims <= 8 else { complete = false; break }
                var dims: [Int] = []
                for _ in 0..<nDims { guard let d = c.u64(), d <= UInt64(Int.max) else { complete = false; break }; dims.append(Int(d)) }
                guard complete, let type = c.u32(), c.skip(8), let elements = checkedProduct(dims) else { complete = false; break }
                parameters = saturatingAdd(parameters, elements)
                tensors += 1
                s.addDtype(GGUFSniffer.typeNames[type] ?? "type\(type)")
            }
            if complete { s.parameters = parameters }
        }
        s.tensors = Int(tensorCount)
        if let no = split["split.no"], let of = split["split.count"] {
            s.addDetail("split", "\(no + 1)/\(of)")
            s.addNote("shard \(no + 1) of \(of)" + (split["split.tensors.count"].map { ", \($0) tensors in all" } ?? ""))
        }
        if !complete && !firstKeySeen && kvCount > 0 { return .notMine }
        if !complete { detection.problems.append("metadata truncated or beyond the first \(FindingMessage.bytes(GGUFSniffer.walkLimit))") }
        if tensorCount == 0 {
            detection.category = .modelAsset
            detection.label = "GGUF without tensors (vocabulary or metadata)"
        } else if training {
            detection.category = .trainingCheckpoint
            detection.label = "GGUF training checkpoint"
        }
        detection.summary = s
        return .found(detection)
    }
}
