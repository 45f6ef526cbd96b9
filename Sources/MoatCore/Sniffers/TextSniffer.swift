#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// Text (UTF-8, ASCII, UTF-16 with a BOM): never a tensor, so the raw-float test skips it.
/// Secrets in text are a different detector's job.
public struct TextSniffer: Sniffer {
    public let id = "text"
    public init() {}

    public func sniff(_ input: SniffInput) -> SniffResult {
        TextSniffer.looksLikeText(input.head.prefix(8192)) ? .benign(.text) : .notMine
    }

    /// No NUL byte and almost only printable bytes or whitespace in the sample, or a UTF-16 BOM.
    public static func looksLikeText(_ sample: ArraySlice<UInt8>) -> Bool {
        sample.withUnsafeBufferPointer { buf -> Bool in
            guard let base = buf.baseAddress, !buf.isEmpty else { return true }
            if buf.count >= 2, (buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF) { return true }
            if memchr(base, 0, buf.count) != nil { return false }
            // Count the control bytes text does not use (bit b of the mask set: byte b is odd). Eight
            // bytes at a time: most words of text hold no byte below 0x20 at all.
            var odd = 0, i = 0
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= buf.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // A high bit per byte below 0x20 (exact for bytes below 0x80; bytes above are skipped below).
                if (w &- ones &* 0x20) & ~w & highs != 0 {
                    for j in i..<(i + 8) where buf[j] < 0x20 && (oddControlBytes >> UInt32(buf[j])) & 1 != 0 { odd += 1 }
                }
                i += 8
            }
            while i < buf.count {
                if buf[i] < 0x20 && (oddControlBytes >> UInt32(buf[i])) & 1 != 0 { odd += 1 }
                i += 1
            }
            return odd * 100 <= buf.count
        }
    }

    /// Bytes below 0x20 other than tab, line feed, form feed, carriage return and escape.
    private static let oddControlBytes: UInt32 = ~(1 << 0x09 | 1 << 0x0A | 1 << 0x0C | 1 << 0x0D | 1 << 0x1B)
}
