/// Hugging Face safetensors: u64 LE header length N, a JSON header of N bytes, then the tensor data.
/// Validated by the reference reader's rules: N in [2, 1e8], JSON object, every tensor has dtype,
/// shape and data offsets inside the buffer, and `8 + N + buffer end == file size`.
public struct SafetensorsSniffer: Sniffer {
    public let id = "safetensors"
    /// Most tensor entries examined (see `defaultMaxTensors`).
    public let maxTensors: Int
    public init(maxTensors: Int = SafetensorsSniffer.defaultMaxTensors) { self.maxTensors = maxTensors }

    static let maxHeader = 100_000_000
    /// Most tensor entries examined: far above real checkpoints (a few thousand per file), low
    /// enough that a hostile header of tiny entries costs little time. More are reported as truncated.
    public static let defaultMaxTensors = 200_000
    /// Bits per element of the dtypes the reference enum knows; unknown dtypes are still accepted.
    static let dtypeBits: [String: Int] = [
        "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
        "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64,
        "I64": 64, "U64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
    ]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 10, let n64 = h.u64le(0), n64 >= 2, n64 <= UInt64(SafetensorsSniffer.maxHeader) else { return .notMine }
        var first = 8
        while first < h.count && h[first] == 0x20 { first += 1 }
        guard first < h.count, h[first] == UInt8(ascii: "{") else { return .notMine }
        let n = Int(n64)
        var detection = Detection(format: id, category: .modelWeights, label: "safetensors weights")

        // A header longer than the file: truncated (or a hostile length). Say so only if the bytes we
        // do have look like a safetensors header.
        guard 8 + n <= input.size else {
            guard h.firstRange(of: ascii("\"dtype\"")) != nil, h.firstRange(of: ascii("\"data_offsets\"")) != nil else { return .notMine }
            detection.problems.append("truncated: header declares \(FindingMessage.bytes(n)), file has \(FindingMessage.bytes(input.size))")
            detection.label = "truncated safetensors file"
            return .found(detection)
        }
        guard let header = input.bytes(at: 0, count: 8 + n), header.count == 8 + n else { return .notMine }

        // Members are streamed one at a time (a 100 MB header may list millions of entries): memory
        // is the header bytes plus one entry, and at most `maxTensors` entries are examined.
        var s = ArtifactSummary()
        var names = TensorNames()
        var parameters = 0, tensors = 0, bufferEnd = 0, declaredBytes = 0
        var valid = true, hasMetadata = false, capped = false
        let parsed = JSONScanner.forEachMember(header, 8..<(8 + n)) { name, value, dropped in
            if name == "__metadata__" {
                hasMetadata = true
                for (k, v) in value.members ?? [] { if let sv = v.string, sv.utf8.count <= 200 { s.addDetail("metadata.\(k)", sv) } }
                return true
            }
            guard tensors < maxTensors else { capped = true; return false }
            guard !dropped, let dtype = value["dtype"]?.string, let shape = value["shape"]?.array,
                  let offsets = value["data_offsets"]?.array, offsets.count == 2,
                  let begin = offsets[0].int, let end = offsets[1].int, begin >= 0, end >= begin else { valid = false; return false }
            let dims = shape.compactMap(\.int)
            guard dims.count == shape.count, let elements = checkedProduct(dims) else { valid = false; return false }
            if let bits = SafetensorsSniffer.dtypeBits[dtype], checkedMul(elements, bits).map(bytesForBits) != end - begin {
                valid = false
                return false
            }
            tensors += 1
            parameters = saturatingAdd(parameters, elements)
            declaredBytes = saturatingAdd(declaredBytes, end - begin)
            bufferEnd = max(bufferEnd, end)
            s.addDtype(dtype)
            names.add(name)
            return true
        }
        guard parsed != nil, valid, tensors > 0 || hasMetadata else { return .notMine }
        s.tensors = tensors
        s.parameters = parameters
        s.tensorBytes = declaredBytes
        if capped {
            detection.problems.append("truncated: the header lists more than \(maxTensors) tensors; counted the first \(maxTensors)")
        } else if let expected = checkedSum(8 + n, bufferEnd), expected <= input.size {
            if expected < input.size {
                detection.problems.append("\(FindingMessage.bytes(input.size - expected)) of trailing data after the tensors")
            }
        } else {
            let need = checkedSum(8 + n, bufferEnd).map(FindingMessage.bytes) ?? "more than \(FindingMessage.bytes(Int.max))"
            detection.problems.append("truncated: tensors need \(need), file has \(FindingMessage.bytes(input.size))")
        }
        if let implied = names.apply(to: &s) {
            detection.category = implied
            detection.label = implied == .optimizerState ? "optimizer state (safetensors)" : "gradients (safetensors)"
        } else if names.isAdapter {
            detection.label = "LoRA adapter (safetensors)"
        }
        detection.summary = s
        return .found(detection)
    }
}
