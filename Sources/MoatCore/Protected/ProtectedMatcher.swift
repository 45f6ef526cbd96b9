#if canImport(Glibc)
import Glibc
#endif

/// Compares the tensors of one file with a registry's protected tensors by their sampled values.
///
/// Per candidate tensor (2-D view `[R', C']`), three layouts, each decided by one exact binomial test
/// on the agreeing sign bits (`TensorMatch.log10p`):
/// - same shape: the keyed rows and window are read and compared with every registered tensor of
///   that shape (rename, dtype conversion, re-sharding, noise, re-save);
/// - transposed (`[C, R]` of a registered `[R, C]`): the same values read down the columns;
/// - a piece cut along dim 0 (`C' == C`, `R' < R`): up to 1,024 rows' window words are looked up
///   in a band index (4 × 16 bits, Hamming ≤ 8 of 64), the offset most hits agree on is taken, and
///   the registered rows inside the piece are then compared like a whole tensor.
/// Reads are bounded by the sample, never by the tensor's size.
public struct ProtectedMatcher: Sendable {
    public let registry: ProtectedRegistry
    /// Where the registry came from, for messages.
    public let source: String

    /// A registered tensor: model and tensor index.
    struct Ref: Hashable, Sendable { var model: Int; var tensor: Int }
    struct Shape: Hashable, Sendable { var rows: Int; var columns: Int }

    let byShape: [Shape: [Ref]]
    /// Registered tensors with a full 64-bit window, by column count (piece search).
    let byColumns: [Int: [Ref]]
    /// (columns, band, 16 bits) → (tensor, sampled-row slot).
    let bands: [UInt64: [(Ref, Int)]]
    /// The sampled rows of every registered tensor (`SketchKey.rows`), computed once.
    let sampledRows: [[[Int]]]

    /// Per-comparison threshold: an unrelated tensor agrees this well with probability ≤ 1e-15.
    public static let log10Alpha = -15.0
    /// Hamming distance of 64-bit row words that counts as the same row (p ≈ 2.8e-10 by chance).
    static let rowDistance = 8
    /// Most rows of a piece read while looking for its offset.
    static let maxProbeRows = 1024
    /// Fewest band hits that agree on one offset before a piece is compared.
    static let minOffsetHits = 4

    public init(registry: ProtectedRegistry, source: String) {
        self.registry = registry
        self.source = source
        var byShape: [Shape: [Ref]] = [:], byColumns: [Int: [Ref]] = [:], bands: [UInt64: [(Ref, Int)]] = [:]
        for (m, model) in registry.models.enumerated() {
            for (t, tensor) in model.tensors.enumerated() {
                let ref = Ref(model: m, tensor: t)
                byShape[Shape(rows: tensor.rows, columns: tensor.columns), default: []].append(ref)
                guard registry.key.window(columns: tensor.columns) == SketchKey.maxWindow else { continue }
                byColumns[tensor.columns, default: []].append(ref)
                for (slot, word) in tensor.signature.enumerated() {
                    for b in 0..<4 { bands[ProtectedMatcher.bandKey(columns: tensor.columns, band: b, word: word), default: []].append((ref, slot)) }
                }
            }
        }
        self.byShape = byShape
        self.byColumns = byColumns
        self.bands = bands
        sampledRows = registry.models.map { $0.tensors.map { registry.key.rows(rows: $0.rows, columns: $0.columns) } }
    }

    static func bandKey(columns: Int, band: Int, word: UInt64) -> UInt64 {
        UInt64(truncatingIfNeeded: columns) << 20 | UInt64(band) << 16 | (word >> UInt64(16 * band)) & 0xFFFF
    }

    /// Every protected tensor found in `input`, best match per candidate tensor.
    public func matches(in input: SniffInput, listing: TensorLocator.Listing) -> [TensorMatch] {
        var sampler = TensorSampler(input: input)
        var out: [TensorMatch] = []
        for t in listing.tensors where t.shape.count >= 2 {
            if let m = match(t, sampler: &sampler) { out.append(m) }
        }
        return out
    }

    func match(_ t: TensorLocation, sampler: inout TensorSampler) -> TensorMatch? {
        let key = registry.key
        let r = t.rows, c = t.columns
        var best: TensorMatch?
        func consider(_ m: TensorMatch?) {
            guard let m, m.log10p <= ProtectedMatcher.log10Alpha else { return }
            if best.map({ m.agreement > $0.agreement }) ?? true { best = m }
        }
        if let refs = byShape[Shape(rows: r, columns: c)], key.isComparable(rows: r, columns: c) {
            let rows = key.rows(rows: r, columns: c), w = key.window(columns: c), c0 = key.windowStart(columns: c)
            let positions = rows.flatMap { row in (0..<w).map { (row: row, column: c0 + $0) } }
            if let values = sampler.values(t, at: positions) {
                consider(compare(RowBits.words(values, width: w), against: refs, candidate: t, layout: .same))
            }
        }
        // A transposed matrix: registered [R, C] read as candidate [C, R].
        if t.shape.count == 2, let refs = byShape[Shape(rows: c, columns: r)], key.isComparable(rows: c, columns: r) {
            let rows = key.rows(rows: c, columns: r), w = key.window(columns: r), c0 = key.windowStart(columns: r)
            let positions = rows.flatMap { row in (0..<w).map { (row: c0 + $0, column: row) } }
            if let values = sampler.values(t, at: positions) {
                consider(compare(RowBits.words(values, width: w), against: refs, candidate: t, layout: .transposed))
            }
        }
        if best == nil, let refs = byColumns[c], refs.contains(where: { registry.models[$0.model].tensors[$0.tensor].rows > r }) {
            consider(piece(t, sampler: &sampler))
        }
        return best
    }

    /// The best of `refs` against the candidate's words.
    func compare(_ words: [UInt64], against refs: [Ref], candidate: TensorLocation, layout: TensorMatch.Layout) -> TensorMatch? {
        var best: (Ref, Int)?
        for ref in refs {
            let sig = registry.models[ref.model].tensors[ref.tensor].signature
            guard sig.count == words.count else { continue }
            var agree = 0
            let w = registry.key.window(columns: registry.models[ref.model].tensors[ref.tensor].columns)
            let mask: UInt64 = w == 64 ? ~0 : (1 << UInt64(w)) - 1
            for (a, b) in zip(sig, words) { agree += w - ((a ^ b) & mask).nonzeroBitCount }
            if best.map({ agree > $0.1 }) ?? true { best = (ref, agree) }
        }
        guard let (ref, agree) = best else { return nil }
        let tensor = registry.models[ref.model].tensors[ref.tensor]
        let bits = words.count * registry.key.window(columns: tensor.columns)
        // Several registered tensors were tried: Bonferroni over them.
        let p = Binomial.log10UpperTail(n: bits, k: agree) + log10(Double(refs.count))
        return TensorMatch(candidate: candidate, model: registry.models[ref.model].name, tensor: tensor, layout: layout,
                           bits: bits, agreements: agree, log10p: p)
    }

    /// A piece of a registered tensor cut along dim 0: find the offset by row lookups, then compare.
    func piece(_ t: TensorLocation, sampler: inout TensorSampler) -> TensorMatch? {
        let key = registry.key
        let r = t.rows, c = t.columns, c0 = key.windowStart(columns: c), w = SketchKey.maxWindow
        let probe = r <= ProtectedMatcher.maxProbeRows ? Array(0..<r) : (0..<ProtectedMatcher.maxProbeRows).map { $0 * r / ProtectedMatcher.maxProbeRows }
        guard let values = sampler.values(t, at: probe.flatMap { row in (0..<w).map { (row: row, column: c0 + $0) } }) else { return nil }
        let words = RowBits.words(values, width: w)
        // Votes for (registered tensor, offset of the piece in it).
        var votes: [Ref: [Int: Int]] = [:]
        for (i, word) in words.enumerated() {
            var seen = Set<Ref>()
            for b in 0..<4 {
                for (ref, slot) in bands[ProtectedMatcher.bandKey(columns: c, band: b, word: word)] ?? [] {
                    let tensor = registry.models[ref.model].tensors[ref.tensor]
                    guard tensor.rows > r, (tensor.signature[slot] ^ word).nonzeroBitCount <= ProtectedMatcher.rowDistance else { continue }
                    let row = sampledRows[ref.model][ref.tensor][slot]
                    let offset = row - probe[i]
                    guard offset >= 0, offset + r <= tensor.rows, seen.insert(ref).inserted else { continue }
                    votes[ref, default: [:]][offset, default: 0] += 1
                }
            }
        }
        var bestVote: (Ref, Int, Int)?
        for (ref, offsets) in votes {
            for (offset, n) in offsets where n >= ProtectedMatcher.minOffsetHits && (bestVote.map { n > $0.2 } ?? true) { bestVote = (ref, offset, n) }
        }
        guard let (ref, offset, _) = bestVote else { return nil }
        // Compare every registered row that falls inside the piece, read afresh.
        let tensor = registry.models[ref.model].tensors[ref.tensor]
        let rows = sampledRows[ref.model][ref.tensor]
        let inside = rows.enumerated().filter { $0.element >= offset && $0.element < offset + r }
        guard !inside.isEmpty, let mine = sampler.values(t, at: inside.flatMap { e in (0..<w).map { (row: e.element - offset, column: c0 + $0) } }) else { return nil }
        let candidateWords = RowBits.words(mine, width: w)
        var agree = 0
        for (k, e) in inside.enumerated() { agree += w - (tensor.signature[e.offset] ^ candidateWords[k]).nonzeroBitCount }
        let bits = inside.count * w
        // The offset and tensor were chosen by the data: Bonferroni over every pair that could have been.
        let tried = Double((byColumns[c]?.count ?? 1)) * Double(max(1, tensor.rows))
        let p = Binomial.log10UpperTail(n: bits, k: agree) + log10(tried)
        return TensorMatch(candidate: t, model: registry.models[ref.model].name, tensor: tensor,
                           layout: .rows(from: offset, count: r), bits: bits, agreements: agree, log10p: p)
    }
}

/// One candidate tensor found to be (derived from) a protected tensor, with the evidence.
public struct TensorMatch: Sendable {
    public enum Layout: Sendable, Equatable {
        case same, transposed
        /// Rows `from ..< from + count` of the protected tensor (a piece cut along dim 0).
        case rows(from: Int, count: Int)
        public var description: String {
            switch self {
            case .same: return "same layout"
            case .transposed: return "transposed"
            case .rows(let from, let count): return "rows \(from)..<\(from + count) (split along dim 0)"
            }
        }
    }

    public var candidate: TensorLocation
    public var model: String
    public var tensor: ProtectedRegistry.Tensor
    public var layout: Layout
    public var bits: Int
    public var agreements: Int
    /// log10 of the probability that an unrelated tensor agrees this well (Bonferroni-corrected).
    public var log10p: Double

    public var agreement: Double { bits > 0 ? Double(agreements) / Double(bits) : 0 }
    /// The correlation the agreement implies (Sheppard: P(agree) = 1 − arccos(ρ)/π); 1 for a copy.
    public var similarity: Double { agreement <= 0.5 ? 0 : cos(Double.pi * (1 - agreement)) }
}

/// The exact upper tail of Binomial(n, 1/2) in log10, without overflow for any n.
enum Binomial {
    static func log10UpperTail(n: Int, k: Int) -> Double {
        guard n > 0, k > 0 else { return 0 }
        guard k <= n else { return -Double.infinity }
        // At or below the mean the tail is at least about a half: nothing to report.
        guard k * 2 > n else { return 0 }
        let nd = Double(n), kd = Double(k)
        let first = lgamma(nd + 1) - lgamma(kd + 1) - lgamma(nd - kd + 1) - nd * log(2.0)
        var sum = 1.0, term = 1.0, i = k
        while i < n {
            term *= Double(n - i) / Double(i + 1)
            sum += term
            if term < 1e-17 * sum { break }
            i += 1
        }
        return min(0, (first + log(sum)) / log(10.0))
    }
}
