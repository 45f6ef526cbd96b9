import MoatBytes

/// Reads a few values of a tensor at (row, column) positions of its 2-D view with bounded reads:
/// the stored units (elements or quantised blocks) the positions need, sorted, and merged into one
/// read where they lie close together, so a sample costs a few reads whatever the tensor's size.
public struct TensorSampler {
    /// Units closer than this are read together (a page: reading the gap costs less than a call).
    static let mergeGap = 4096
    /// One read never exceeds this.
    static let maxRead = 1 << 20

    let input: SniffInput
    public private(set) var bytesRead = 0

    public init(input: SniffInput) { self.input = input }

    /// Values at `positions` (row, column) of `tensor`, in order; nil when any position is outside the
    /// tensor or its bytes cannot be read.
    public mutating func values(_ tensor: TensorLocation, at positions: [(row: Int, column: Int)]) -> [Float]? {
        let enc = tensor.encoding
        guard enc.allowsStrides || tensor.isContiguous else { return nil }
        var wanted: [(unit: Int, element: Int, slot: Int)] = []
        wanted.reserveCapacity(positions.count)
        for (slot, p) in positions.enumerated() {
            guard let index = tensor.storageIndex(row: p.row, column: p.column) else { return nil }
            wanted.append((index / enc.unitElements, index % enc.unitElements, slot))
        }
        wanted.sort { $0.unit < $1.unit }
        var out = [Float](repeating: 0, count: positions.count)
        var i = 0
        while i < wanted.count {
            // One read: from this unit to the last one within the merge gap.
            let first = wanted[i].unit
            var j = i
            while j + 1 < wanted.count, (wanted[j + 1].unit - wanted[j].unit) * enc.unitBytes <= TensorSampler.mergeGap,
                  (wanted[j + 1].unit - first + 1) * enc.unitBytes <= TensorSampler.maxRead { j += 1 }
            let units = wanted[j].unit - first + 1
            guard let start = checkedMul(first, enc.unitBytes).flatMap({ checkedSum(tensor.dataOffset, $0) }),
                  let bytes = input.bytes(at: start, count: units * enc.unitBytes), bytes.count == units * enc.unitBytes else { return nil }
            bytesRead += bytes.count
            for k in i...j {
                guard let v = enc.value(bytes, at: (wanted[k].unit - first) * enc.unitBytes, element: wanted[k].element) else { return nil }
                out[wanted[k].slot] = v.isFinite ? v : 0
            }
            i = j + 1
        }
        return out
    }
}
