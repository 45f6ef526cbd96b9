/// Turns a model's files into a registry entry: every comparable tensor's keyed sample, read with
/// bounded reads (the same `TensorSampler` the scan uses, so both sides see the same values).
public enum ProtectedSketcher {
    /// The sign words of `tensor`'s sampled rows, or why it is not registered.
    static func signature(_ tensor: TensorLocation, key: SketchKey, sampler: inout TensorSampler) -> Result<[UInt64], SkipReason> {
        guard tensor.shape.count >= 2 else { return .failure(.oneDimensional) }
        let r = tensor.rows, c = tensor.columns
        guard key.isComparable(rows: r, columns: c) else { return .failure(.tooSmall) }
        let rows = key.rows(rows: r, columns: c)
        let w = key.window(columns: c), c0 = key.windowStart(columns: c)
        var positions: [(row: Int, column: Int)] = []
        positions.reserveCapacity(rows.count * w)
        for row in rows { for k in 0..<w { positions.append((row, c0 + k)) } }
        guard let values = sampler.values(tensor, at: positions) else { return .failure(.unreadable) }
        // Constant or nearly constant tensors (norms at 1.0, zero-initialised layers, masks) are the
        // same in every model of an architecture: they would match unrelated models.
        if Set(values.map(\.bitPattern)).count * 2 < values.count { return .failure(.lowEntropy) }
        return .success(RowBits.words(values, width: w))
    }

    public enum SkipReason: String, Error, Sendable {
        case oneDimensional = "1-D (biases and norms are alike across models)"
        case tooSmall = "too small for a significant sample"
        case lowEntropy = "few distinct values (constant, zero-initialised or a mask)"
        case unreadable = "values could not be read"
        case unsupported = "dtype or storage moat cannot sample"
    }

    /// One model from its files (`files[i]` names `inputs[i]`).
    public static func model(name: String, files: [String], inputs: [SniffInput], key: SketchKey) -> ProtectedRegistry.Model {
        var model = ProtectedRegistry.Model(name: name, files: files, tensors: [], skipped: [])
        for input in inputs {
            guard let listing = TensorLocator.locate(input) else { continue }
            var sampler = TensorSampler(input: input)
            for name in listing.unsampled { model.skipped.append((name, SkipReason.unsupported.rawValue)) }
            for t in listing.tensors {
                switch signature(t, key: key, sampler: &sampler) {
                case .success(let words):
                    model.tensors.append(.init(name: t.name, shape: t.shape, dtype: t.encoding.rawValue, signature: words))
                case .failure(let why):
                    model.skipped.append((t.name, why.rawValue))
                }
            }
        }
        return model
    }
}
