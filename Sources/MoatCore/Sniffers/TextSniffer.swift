/// Text (UTF-8, ASCII, UTF-16 with a BOM): never a tensor, so the raw-float test skips it.
/// Secrets in text are a different detector's job.
public struct TextSniffer: Sniffer {
    public let id = "text"
    public init() {}

    /// The benign verdict for text (secret scanning keys on it).
    public static let verdict = "text"

    public func sniff(_ input: SniffInput) -> SniffResult {
        TextSniffer.looksLikeText(input.head.prefix(8192)) ? .benign(TextSniffer.verdict) : .notMine
    }

    /// No NUL byte and almost only printable bytes or whitespace in the sample, or a UTF-16 BOM.
    public static func looksLikeText(_ sample: ArraySlice<UInt8>) -> Bool {
        if sample.count >= 2, (sample.first == 0xFF && sample.dropFirst().first == 0xFE) || (sample.first == 0xFE && sample.dropFirst().first == 0xFF) {
            return true
        }
        var odd = 0
        for b in sample {
            if b == 0 { return false }
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C && b != 0x1B { odd += 1 }
        }
        return odd * 100 <= sample.count
    }
}
