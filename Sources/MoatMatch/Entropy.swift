#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shannon entropy of bytes, for judging whether a captured value looks random.
public enum Entropy {
    /// c * log2(c) for c in 0...256: the per-byte-value term for short inputs.
    private static let cLogC: [Double] = (0...256).map { (c: Int) -> Double in c == 0 ? 0 : Double(c) * log2(Double(c)) }

    /// Shannon entropy in bits per byte (0 for empty input, at most 8).
    ///
    /// H = log2(n) - (1/n) * sum over byte values of c * log2(c). Counts live in a histogram on the
    /// stack; for inputs of up to 256 bytes (tokens) the sum is updated while counting from a
    /// table, with no pass over the 256 bins; longer inputs use four interleaved histograms so that
    /// runs of one byte value do not serialize on one counter.
    public static func shannon(_ bytes: UnsafeRawBufferPointer) -> Double {
        let n = bytes.count
        if n <= 1 { return 0 }
        if n <= 256 {
            return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 256) { counts -> Double in
                counts.initialize(repeating: 0)
                var sum = 0.0
                cLogC.withUnsafeBufferPointer { table in
                    for b in bytes {
                        let c = Int(counts[Int(b)])
                        sum += table[c + 1] - table[c]
                        counts[Int(b)] = UInt16(c + 1)
                    }
                }
                return log2(Double(n)) - sum / Double(n)
            }
        }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 1024) { counts -> Double in
            counts.initialize(repeating: 0)
            let p = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var i = 0
            while i + 4 <= n {
                counts[Int(p[i])] &+= 1
                counts[256 + Int(p[i + 1])] &+= 1
                counts[512 + Int(p[i + 2])] &+= 1
                counts[768 + Int(p[i + 3])] &+= 1
                i += 4
            }
            while i < n { counts[Int(p[i])] &+= 1; i += 1 }
            var sum = 0.0
            for v in 0..<256 {
                let c = Int(counts[v]) + Int(counts[256 + v]) + Int(counts[512 + v]) + Int(counts[768 + v])
                if c > 0 { sum += c <= 256 ? cLogC[c] : Double(c) * log2(Double(c)) }
            }
            return log2(Double(n)) - sum / Double(n)
        }
    }

    /// Shannon entropy of a byte array, in bits per byte.
    public static func shannon(_ bytes: [UInt8]) -> Double {
        bytes.withUnsafeBytes { shannon($0) }
    }

    /// Shannon entropy of a slice of an input, in bits per byte.
    public static func shannon(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) -> Double {
        shannon(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }
}
