/// Turns byte offsets into 1-based line and column numbers, counting newlines once for a sorted
/// sequence of offsets (no quadratic rescans on big files).
struct TextLocator {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Line and column of `target`; call with non-decreasing targets (a smaller one restarts).
    mutating func locate(_ target: Int) -> (line: Int, column: Int) {
        if target < offset { offset = 0; line = 1; lineStart = 0 }
        let end = min(target, bytes.count)
        while offset < end {
            if bytes[offset] == 0x0A { line += 1; lineStart = offset + 1 }
            offset += 1
        }
        return (line, target - lineStart + 1)
    }
}

/// Redacted previews of secret values.
public enum Redaction {
    /// Keeps a few characters at each end: "hf_A…7x (37 chars)". Short values show less.
    public static func preview(_ value: ArraySlice<UInt8>) -> String {
        let n = value.count
        let keepHead = n >= 24 ? 4 : n >= 12 ? 2 : 1
        let keepTail = n >= 24 ? 2 : 0
        let head = String(decoding: value.prefix(keepHead), as: UTF8.self)
        let tail = String(decoding: value.suffix(keepTail), as: UTF8.self)
        return printable(head) + "…" + printable(tail) + " (\(n) chars)"
    }

    /// `text` with every occurrence of each of `values` replaced by its preview.
    public static func redact(_ text: String, _ values: [[UInt8]]) -> String {
        var out = text
        for v in values where !v.isEmpty {
            let needle = String(decoding: v, as: UTF8.self)
            if out.contains(needle) { out = out.replacingOccurrences(of: needle, with: preview(v[...])) }
        }
        return out
    }

    static func printable(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }
}

/// Printable ASCII runs inside binary content: the strings a model container carries in its
/// header (safetensors `__metadata__`, GGUF metadata, pickle strings in a checkpoint, ONNX
/// doc strings), scanned for secrets without decoding each format.
enum PrintableRuns {
    /// Runs of at least `minimum` printable bytes (tab and space included) in `bytes`.
    static func find(in bytes: UnsafeRawBufferPointer, minimum: Int = 16, _ body: (Range<Int>) -> Void) {
        var start = -1
        for i in 0..<bytes.count {
            let b = bytes[i]
            let printable = (b >= 0x20 && b < 0x7F) || b == 0x09
            if printable {
                if start < 0 { start = i }
            } else if start >= 0 {
                if i - start >= minimum { body(start..<i) }
                start = -1
            }
        }
        if start >= 0, bytes.count - start >= minimum { body(start..<bytes.count) }
    }
}
