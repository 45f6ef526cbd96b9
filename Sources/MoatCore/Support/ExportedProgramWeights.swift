/// What `torch.export.save` (`.pt2`) records about its weights in `model_weights_config.json`:
/// `{"config": {name: {..., "tensor_meta": {"dtype": n, "sizes": [{"as_int": d}, ...], ...}}}}`.
/// Read by a byte scan of the `tensor_meta` records (the file is torch's own `json.dumps` output).
enum ExportedProgramWeights {
    /// torch.export's `ScalarType` numbers (`torch/_export/serde/schema.py`) to torch's dtype names.
    static let scalarTypes: [Int: String] = [1: "uint8", 2: "int8", 3: "int16", 4: "int32", 5: "int64", 6: "float16", 7: "float32",
                                             8: "float64", 9: "complex32", 10: "complex64", 11: "complex128", 12: "bool", 13: "bfloat16"]
    static let maxTensors = 200_000

    /// Sets tensors, parameters and dtypes; leaves the summary as it was when a record does not read.
    static func read(_ json: [UInt8], into s: inout ArtifactSummary) {
        var p = 0, count = 0, total = 0
        var dtypes: [String] = []
        while count < maxTensors, let at = json.firstRange(of: ascii("\"tensor_meta\""), from: p) {
            guard let (code, q) = number(after: ascii("\"dtype\""), in: json, from: at),
                  let sizes = json.firstRange(of: ascii("\"sizes\""), from: q) else { return }
            var dims: [Int] = []
            var r = sizes
            let close = json.firstRange(of: [UInt8(ascii: "]")], from: sizes) ?? json.count
            while let (d, next) = number(after: ascii("\"as_int\""), in: json, from: r), next <= close {
                dims.append(d)
                r = next
            }
            guard let n = checkedProduct(dims) else { return }
            total = saturatingAdd(total, n)
            dtypes.append(scalarTypes[code] ?? "dtype \(code)")
            count += 1
            p = close
        }
        guard count > 0 else { return }
        s.tensors = count
        s.parameters = total
        for d in dtypes { s.addDtype(d) }
    }

    /// The non-negative integer after the next `key:` at or after `from`, and the offset past it.
    static func number(after key: [UInt8], in b: [UInt8], from: Int) -> (Int, Int)? {
        guard let at = b.firstRange(of: key, from: from) else { return nil }
        var i = at + key.count
        while i < b.count, b[i] == 0x20 || b[i] == UInt8(ascii: ":") { i += 1 }
        var v = 0, digits = 0
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39, digits < 18 {
            v = v * 10 + Int(b[i] - 0x30)
            digits += 1
            i += 1
        }
        return digits > 0 ? (v, i) : nil
    }
}
