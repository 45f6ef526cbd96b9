/// Byte-lane statistics that recognise headerless IEEE-754 data (the entropy core).
///
/// In little-endian floats the sign and exponent sit in the top byte of each element and the low
/// bytes are mantissa: tensor values span few exponents, so the top lane has low entropy inside a
/// narrow band and is mirror-symmetric under a sign flip, while the mantissa lanes look random.
/// Compressed data, code, text, PCM audio and integer arrays fail at least one of these tests.
/// Thresholds and their measured separation: shared/research/ml-formats.md, section 3.
public enum FloatLaneStatistics {
    public enum Kind: String, Sendable {
        case float32, float32Upcast, bfloat16, float16, float64
        /// Element width in bytes.
        public var width: Int {
            switch self {
            case .float32, .float32Upcast: return 4
            case .bfloat16, .float16: return 2
            case .float64: return 8
            }
        }
        /// The family used to compare windows (an upcast window agrees with a float32 one).
        var family: Kind { self == .float32Upcast ? .float32 : self }
    }

    /// Per-lane statistics of one window at one stride.
    struct Lanes {
        var entropy: [Double]
        var band: Double
        var signSymmetry: Double
        var twosComplementSymmetry: Double
        var infNaNFraction: Double
        var lowLanesZero: (lane0: Bool, lane1: Bool, lane1Low5: Bool)
        /// Per lane: every non-zero word has a zero byte in this lane.
        var laneAllZero: [Bool]
        var words: Int
        var exponentMedian: Int?
        var allPositive: Bool
        /// Share of non-zero words whose top byte has a zero float16 exponent field (`b & 0x7C == 0`).
        var subnormalFraction: Double
    }

    /// Classifies one window of raw bytes; nil when it does not look like floats.
    public static func classify(_ w: UnsafeRawBufferPointer) -> Kind? {
        if let l4 = lanes(w, stride: 4, bandRange: 0x20...0x43), l4.words >= 256 {
            let e = l4.entropy
            if l4.band >= 0.98, e[3] <= 6.5, e[2] >= 5.0 {
                if e[0] >= 7.0, e[1] >= 7.0 { return .float32 }
                if l4.lowLanesZero.lane0, l4.lowLanesZero.lane1 || l4.lowLanesZero.lane1Low5 { return .float32Upcast }
            }
            if e[0] >= 6.5, e[1] < 7.0, e[2] >= 6.5, let l2 = lanes(w, stride: 2, bandRange: 0x20...0x43), l2.words >= 512,
               l2.entropy[0] >= 6.5, l2.entropy[1] <= 6.5, l2.band >= 0.98, l2.signSymmetry >= 0.5 {
                return .bfloat16
            }
        }
        if let l2 = lanes(w, stride: 2, bandRange: 0x20...0x43), l2.words >= 512 {
            let e = l2.entropy
            if e[0] >= 6.5, e[1] >= 2.0, e[1] <= 7.3, l2.infNaNFraction <= 0.001, l2.signSymmetry >= 0.7,
               l2.signSymmetry - l2.twosComplementSymmetry >= 0.3 {
                return .float16
            }
            // float16 gradients below 2^-14 are mostly subnormal: exponent field 0, so the low byte
            // holds small integers (less entropy), and the top byte is 0-3 or its sign mirror.
            if l2.subnormalFraction >= 0.5, e[0] >= 3.0, e[1] >= 0.9, l2.infNaNFraction == 0, l2.signSymmetry >= 0.7,
               l2.signSymmetry - l2.twosComplementSymmetry >= 0.3 {
                return .float16
            }
        }
        if let l8 = lanes(w, stride: 8, bandRange: 0x37...0x40), l8.words >= 128, l8.entropy[7] <= 6.0, l8.band >= 0.98 {
            if l8.entropy[0..<6].allSatisfy({ $0 >= 7.0 }) { return .float64 }
            // float32 values stored as float64: the low 29 mantissa bits are zero, the rest looks like f64.
            if l8.laneAllZero[0], l8.laneAllZero[1], l8.laneAllZero[2], l8.entropy[4] >= 7.0, l8.entropy[5] >= 7.0 { return .float64 }
        }
        return nil
    }

    /// Pearson correlation of neighbouring values in a window read as `kind`: near 1 for sampled
    /// signals (PCM audio, DSP tables, filter banks), near 0 for weights, gradients and optimizer
    /// state, whose neighbours are independent draws. nil when the window has too few values.
    public static func neighbourCorrelation(_ w: UnsafeRawBufferPointer, kind: Kind) -> Double? {
        let n = w.count / kind.width
        guard n >= 64 else { return nil }
        func value(_ i: Int) -> Double { FloatLaneStatistics.value(w, i, kind) }
        var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0, m = 0.0
        var previous = value(0)
        for i in 1..<n {
            let x = previous, y = value(i)
            previous = y
            guard x.isFinite, y.isFinite else { continue }
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; m += 1
        }
        guard m >= 32 else { return nil }
        let vx = sxx - sx * sx / m, vy = syy - sy * sy / m
        guard vx > 0, vy > 0 else { return nil }
        return (sxy - sx * sy / m) / (vx * vy).squareRoot()
    }

    /// Element `i` of `w` read as `kind`.
    @inline(__always) static func value(_ w: UnsafeRawBufferPointer, _ i: Int, _ kind: Kind) -> Double {
        let o = i * kind.width
        switch kind {
        case .float32, .float32Upcast: return Double(Float(bitPattern: w.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
        case .bfloat16: return Double(Float(bitPattern: UInt32(w.loadUnaligned(fromByteOffset: o, as: UInt16.self)) << 16))
        case .float16: return Double(Float16(bitPattern: w.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
        case .float64: return w.loadUnaligned(fromByteOffset: o, as: Double.self)
        }
    }

    /// Whether the values are non-negative and at least 90% zero: masks and filter banks, where
    /// sparse gradients and weights have both signs.
    public static func isSparseNonNegative(_ w: UnsafeRawBufferPointer, kind: Kind) -> Bool {
        let n = w.count / kind.width
        guard n >= 64 else { return false }
        var zeros = 0
        for i in 0..<n {
            let v = value(w, i, kind)
            if v < 0 || v.isNaN { return false }
            if v == 0 { zeros += 1 }
        }
        return zeros * 10 >= n * 9
    }

    /// Median base-2 exponent of the non-zero float32 values of a window, and whether all are positive.
    public static func magnitude(_ w: UnsafeRawBufferPointer, kind: Kind) -> (medianExponent: Int, allPositive: Bool)? {
        let stride = kind.width
        guard kind != .float16, kind != .float64 else { return nil }
        var counts = [Int](repeating: 0, count: 256)
        var positive = true
        var n = 0
        var i = 0
        while i + stride <= w.count {
            let top = w[i + stride - 1], next = w[i + stride - 2]
            if top | next != 0 {
                let exp = Int(top & 0x7F) << 1 | Int(next >> 7)
                counts[exp] += 1
                n += 1
                if top & 0x80 != 0 { positive = false }
            }
            i += stride
        }
        guard n > 0 else { return nil }
        var seen = 0
        for (e, c) in counts.enumerated() {
            seen += c
            if seen * 2 >= n { return (e - 127, positive) }
        }
        return nil
    }

    static func lanes(_ w: UnsafeRawBufferPointer, stride: Int, bandRange: ClosedRange<UInt8>) -> Lanes? {
        guard w.count >= stride * 16 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256 * stride) { hist -> Lanes in
            hist.initialize(repeating: 0)
            var words = 0
            var i = 0
            let end = w.count - w.count % stride
            while i < end {
                var any: UInt8 = 0
                for k in 0..<stride { any |= w[i + k] }
                if any != 0 {
                    for k in 0..<stride { hist[k * 256 + Int(w[i + k])] += 1 }
                    words += 1
                }
                i += stride
            }
            var entropy = [Double](repeating: 0, count: stride)
            let n = Double(words)
            if words > 0 {
                for k in 0..<stride {
                    var h = 0.0
                    for b in 0..<256 {
                        let c = hist[k * 256 + b]
                        if c > 0 { let p = Double(c) / n; h -= p * log2(p) }
                    }
                    entropy[k] = h
                }
            }
            let top = (stride - 1) * 256
            var inBand: UInt32 = 0, infNaN: UInt32 = 0, signDiff: UInt32 = 0, twosDiff: UInt32 = 0, subnormal: UInt32 = 0
            for b in 0..<256 {
                let c = hist[top + b]
                if b & 0x7C == 0 { subnormal += c }
                if bandRange.contains(UInt8(b) & 0x7F) { inBand += c }
                if b & 0x7C == 0x7C { infNaN += c }
                let m = hist[top + (b ^ 0x80)], t = hist[top + (0xFF - b)]
                signDiff += c > m ? c - m : m - c
                twosDiff += c > t ? c - t : t - c
            }
            let zero0 = stride >= 2 && hist[0] == UInt32(words)
            var lane1Low5 = stride >= 2
            var zero1 = stride >= 2
            if stride >= 2 {
                for b in 0..<256 where hist[256 + b] > 0 {
                    if b != 0 { zero1 = false }
                    if b & 0x1F != 0 { lane1Low5 = false }
                }
            }
            var laneAllZero = [Bool](repeating: false, count: stride)
            for k in 0..<stride { laneAllZero[k] = words > 0 && hist[k * 256] == UInt32(words) }
            let d = max(n, 1)
            return Lanes(entropy: entropy, band: Double(inBand) / d, signSymmetry: 1 - Double(signDiff) / (2 * d),
                         twosComplementSymmetry: 1 - Double(twosDiff) / (2 * d), infNaNFraction: Double(infNaN) / d,
                         lowLanesZero: (zero0, zero1, lane1Low5), laneAllZero: laneAllZero, words: words, exponentMedian: nil, allPositive: false,
                         subnormalFraction: Double(subnormal) / d)
        }
    }

    @inline(__always) static func log2(_ x: Double) -> Double { _log2(x) }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log2(_ x: Double) -> Double { Glibc.log2(x) }
#else
import Darwin
@inline(__always) private func _log2(_ x: Double) -> Double { Darwin.log2(x) }
#endif
