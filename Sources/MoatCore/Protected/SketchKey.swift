/// The keyed choices behind every sketch of a tensor's 2-D view `[R, C]` (dim 0 by the rest):
/// which rows are sampled and which window of `w` contiguous columns is read in each.
///
/// The choices depend only on the registry's salt and the view's shape, never on names or files:
/// a renamed, converted or re-sharded tensor is sampled at the same places. The column window
/// depends on `C` alone, so a piece of a tensor cut along dim 0 (same `C`) keeps the same window
/// and its rows can be found by content. The salt protects nothing (the scanner must know it); it
/// only makes two registries' samples independent.
public struct SketchKey: Sendable, Equatable {
    public let salt: UInt64
    public init(salt: UInt64) { self.salt = salt }

    /// Bits per sampled row (the window), at most one machine word.
    public static let maxWindow = 64
    /// Most rows sampled per tensor: 256 × 64 = 16,384 bits, far more than any test needs.
    public static let maxRows = 256
    /// Fewest bits that make a tensor comparable: below this the binomial test cannot reach its
    /// threshold at a useful agreement.
    public static let minBits = 256
    /// At most this share of a tensor's values is sampled (1/16), so the registry never covers
    /// more than a sliver of any tensor (docs/protected-weights.md, "What the registry holds").
    public static let maxCoverageDivisor = 16

    public func window(columns c: Int) -> Int { min(SketchKey.maxWindow, c) }

    /// First column of the window in every row of a view with `c` columns.
    public func windowStart(columns c: Int) -> Int {
        let w = window(columns: c)
        guard c > w else { return 0 }
        return Int(SketchKey.mix(salt ^ 0x636F_6C73, UInt64(c)) % UInt64(c - w + 1))
    }

    /// How many rows of an `[r, c]` view are sampled: an eighth of them between 16 and `maxRows`,
    /// then cut so that the sample stays within 1/16 of the values.
    public func rowCount(rows r: Int, columns c: Int) -> Int {
        let w = window(columns: c)
        guard r > 0, w > 0 else { return 0 }
        let cap = (checkedMul(r, c) ?? Int.max) / (SketchKey.maxCoverageDivisor * w)
        return max(0, min(r, max(16, r / 8), SketchKey.maxRows, cap))
    }

    /// Whether an `[r, c]` view gets enough bits to be registered.
    public func isComparable(rows r: Int, columns c: Int) -> Bool {
        c >= 16 && r >= 2 && rowCount(rows: r, columns: c) * window(columns: c) >= SketchKey.minBits
    }

    /// The sampled rows of an `[r, c]` view, ascending (Floyd's sampling: memory of the sample only).
    public func rows(rows r: Int, columns c: Int) -> [Int] {
        let k = rowCount(rows: r, columns: c)
        guard k < r else { return Array(0..<r) }
        var chosen = Set<Int>()
        var state = SketchKey.mix(salt ^ 0x726F_7773, UInt64(r) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(c))
        for j in (r - k)..<r {
            state = SketchKey.mix(state, UInt64(j))
            let t = Int(state % UInt64(j + 1))
            if !chosen.insert(t).inserted { chosen.insert(j) }
        }
        return chosen.sorted()
    }

    /// SplitMix64 finaliser over two words: a keyed, well-spread hash.
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ b &* 0x9E37_79B9_7F4A_7C15 &+ 0x632B_E59B_D9B3_E7AD
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Sign bits of sampled values: bit k of a row's word is 1 when value k of its window lies above the
/// window's median. Median-balanced bits make the null (an unrelated tensor) exactly half-agreeing
/// whatever the weights' scale, offset or dtype.
public enum RowBits {
    public static func word(_ values: ArraySlice<Float>) -> UInt64 {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let median = sorted[(sorted.count - 1) / 2]
        var word: UInt64 = 0
        for (k, v) in values.enumerated() where v > median { word |= 1 << UInt64(k) }
        return word
    }

    /// One word per row of `values` laid out row after row, `width` values each.
    public static func words(_ values: [Float], width: Int) -> [UInt64] {
        guard width > 0 else { return [] }
        return stride(from: 0, to: values.count, by: width).map { word(values[$0..<min($0 + width, values.count)]) }
    }
}
