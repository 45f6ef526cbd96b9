/// Headerless uint16 token dumps: nanoGPT's `train.bin` / `val.bin` (`np.array(ids, dtype=np.uint16)
/// .tofile(...)`), and every pipeline that writes token ids the same way. There is no header: the
/// test is what tokenised text looks like as 16-bit values, per 64 KiB window:
/// - skewed like words (Zipf): the values' entropy sits well below the log of how many distinct
///   values there are (uniform data, random bytes and compressed data do not), with at least 16
///   distinct values, none holding a quarter of the window (a space in char-level ids holds about
///   a sixth) and zero under a tenth (padding and structured binaries are full of zeros);
/// - no local smoothness: the entropy of the difference of neighbours is at least that of the
///   values, as for independent draws (audio, 16-bit images, depth maps, sorted indices and
///   counters all have much smaller differences than values);
/// - few values with the top bit set (ids past 32,767 are the rare end of a vocabulary; float16 and
///   bfloat16 set it for every negative number), and not floats by the raw-dump lane statistics;
/// - not text: not UTF-16 (nearly all values printable ASCII), and under 30% of values made of two
///   printable ASCII bytes (8-bit text and the string columns of other binary formats are mostly
///   such pairs; ids of a 50K vocabulary are about 10%, of smaller ones none).
/// The window at offset 0 and those at 1/4, 1/2 and 3/4 holding data must all pass. Summary:
/// tokens (size / 2) and the largest id seen (a lower bound of the vocabulary).
public struct TokenDumpSniffer: Sniffer {
    public let id = "token-dump"
    public init() {}

    static let window = 64 * 1024
    /// Smaller inputs hold too few tokens for the statistics (and are no leak).
    static let minimumBytes = 16 * 1024
    static let streamSpan = 4 * 1024 * 1024

    /// What one window of uint16 values looks like.
    struct Statistics {
        var values = 0
        var distinct = 0
        var maxValue = 0
        /// Share of the most frequent value.
        var topShare = 0.0
        var highBitShare = 0.0
        var printableShare = 0.0
        /// Share of values whose two bytes are both printable ASCII.
        var asciiPairShare = 0.0
        var zeroShare = 0.0
        /// Entropy of the values and of neighbour differences (mod 2^16), bits.
        var entropy = 0.0
        var differenceEntropy = 0.0

        var looksLikeTokens: Bool {
            values >= 1024 && distinct >= 16 && topShare < 0.25 && zeroShare < 0.10 && highBitShare < 0.25
                && asciiPairShare < 0.30
                && entropy <= FloatLaneStatistics.log2(Double(distinct)) - 0.75
                && differenceEntropy >= entropy
                && !(maxValue < 0x80 && printableShare >= 0.90)
        }
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size >= TokenDumpSniffer.minimumBytes, input.size % 2 == 0,
              let first = input.bytes(at: 0, count: TokenDumpSniffer.window), first.count >= TokenDumpSniffer.minimumBytes,
              first.prefix(4096).withUnsafeBytes({ FloatLaneStatistics.classify($0) }) == nil else { return .notMine }
        let s0 = TokenDumpSniffer.statistics(first)
        guard s0.looksLikeTokens else { return .notMine }
        var maxValue = s0.maxValue
        if input.size >= 4 * TokenDumpSniffer.window {
            let span = input.source.isRandomAccess ? input.size : min(input.size, TokenDumpSniffer.streamSpan)
            for q in 1...3 {
                let offset = (span / 4 * q) / 2 * 2
                guard let w = input.bytes(at: offset, count: TokenDumpSniffer.window), w.count >= 4096 else { continue }
                if w.allSatisfy({ $0 == 0 }) { continue }
                let st = TokenDumpSniffer.statistics(w)
                guard st.looksLikeTokens else { return .notMine }
                maxValue = max(maxValue, st.maxValue)
            }
        }
        var s = ArtifactSummary()
        let tokens = input.size / 2
        s.addNote(DatasetFacts.count(tokens, "token") + ", largest id seen \(DatasetFacts.grouped(maxValue))")
        s.addDetail("tokens", String(tokens))
        s.addDetail("max_token_id_seen", String(maxValue))
        return .found(Detection(format: id, category: .dataset, label: "uint16 token dump", summary: s, hasStrings: false))
    }

    /// The statistics of `bytes` read as little-endian uint16 values.
    static func statistics(_ bytes: [UInt8]) -> Statistics {
        var st = Statistics()
        let n = bytes.count / 2
        guard n > 1 else { return st }
        var counts = [Int32](repeating: 0, count: 65_536)
        var diffs = [Int32](repeating: 0, count: 65_536)
        var high = 0, printable = 0, pairs = 0, maxValue = 0
        bytes.withUnsafeBytes { raw in
            var prev = Int(raw.loadUnaligned(fromByteOffset: 0, as: UInt16.self).littleEndian)
            for k in 0..<n {
                let v = Int(raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self).littleEndian)
                counts[v] += 1
                if k > 0 { diffs[(v &- prev) & 0xFFFF] += 1 }
                prev = v
                if v >= 0x8000 { high += 1 }
                if (v >= 0x20 && v < 0x7F) || v == 0x09 || v == 0x0A || v == 0x0D { printable += 1 }
                if (0x20..<0x7F).contains(v & 0xFF), (0x20..<0x7F).contains(v >> 8) { pairs += 1 }
                if v > maxValue { maxValue = v }
            }
        }
        var top: Int32 = 0
        for c in counts where c > 0 {
            st.distinct += 1
            if c > top { top = c }
        }
        st.values = n
        st.maxValue = maxValue
        st.topShare = Double(top) / Double(n)
        st.highBitShare = Double(high) / Double(n)
        st.printableShare = Double(printable) / Double(n)
        st.asciiPairShare = Double(pairs) / Double(n)
        st.zeroShare = Double(counts[0]) / Double(n)
        st.entropy = entropy(counts, total: n)
        st.differenceEntropy = entropy(diffs, total: n - 1)
        return st
    }

    static func entropy(_ counts: [Int32], total: Int) -> Double {
        let t = Double(total)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / t
            h -= p * FloatLaneStatistics.log2(p)
        }
        return h
    }
}
