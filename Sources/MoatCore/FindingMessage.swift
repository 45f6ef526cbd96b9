import MoatBytes

/// Builds the one-sentence description of a finding, e.g.
/// "PyTorch training checkpoint: 124.4M parameters, bf16, with optimizer state (AdamW), 498 MB".
public enum FindingMessage {
    public static func sentence(label: String, summary s: ArtifactSummary, size: Int, problems: [String]) -> String {
        var parts: [String] = []
        if let a = s.architecture { parts.append(a) }
        if let p = s.parameters, p > 0 || s.tensors != 0 {
            parts.append("\(count(p)) \(p == 1 ? "parameter" : "parameters")")
        } else if let t = s.tensors, t > 0 {
            parts.append("\(t) \(t == 1 ? "tensor" : "tensors")")
        }
        if !s.dtypes.isEmpty { parts.append(s.dtypes.prefix(4).joined(separator: "/") + (s.dtypes.count > 4 ? "/..." : "")) }
        if let o = s.optimizer { parts.append("with optimizer state (\(o))") }
        parts.append(contentsOf: s.notes)
        parts.append(bytes(size))
        var out = label + ": " + parts.joined(separator: ", ")
        if !problems.isEmpty { out += " (" + problems.joined(separator: "; ") + ")" }
        return out
    }

    /// 124412160 -> "124.4M"; 950 -> "950".
    public static func count(_ n: Int) -> String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
        for (scale, suffix) in units where Double(n) >= scale {
            return oneDecimal(Double(n) / scale) + suffix
        }
        return String(n)
    }

    /// Decimal sizes as people read them on disks: "498 MB", "12.3 KB", "17 bytes".
    public static func bytes(_ n: Int) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")]
        for (scale, suffix) in units where Double(n) >= scale {
            let v = Double(n) / scale
            return (v >= 100 ? String(Int(v.rounded())) : oneDecimal(v)) + " " + suffix
        }
        return "\(n) \(n == 1 ? "byte" : "bytes")"
    }

    static func oneDecimal(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }
}

/// Terminal-safe text for everything content puts into a finding.
///
/// A crafted file can carry an escape sequence in any string a sniffer reads (a GGUF architecture,
/// a safetensors dtype, an ONNX producer, a pickle class name); printed raw it moves the cursor or
/// erases earlier lines. `Finding.init` runs every content-derived string through `escape`, so no
/// sniffer can forget.
public enum DisplayText {
    /// `s` with C0 controls, DEL, C1 controls (U+0080-U+009F) and bidirectional overrides written as
    /// visible escapes (`\x1b`, `\u{9b}`); `s` itself when it has none. Idempotent.
    public static func escape(_ s: String) -> String { TerminalText.escape(s) }

    static func isUnsafe(_ u: Unicode.Scalar) -> Bool { TerminalText.isUnsafe(u) }

    /// Decodes content bytes for display: valid UTF-8 as text, every byte of an invalid sequence as
    /// `\xNN` (not a silent U+FFFD), control characters escaped as by `escape`.
    public static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let b = Array(bytes)
        if let valid = String(validating: b, as: UTF8.self) { return escape(valid) }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            let lead = b[i]
            let len = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0
            if len > 0, len <= b.count - i, let scalar = String(validating: b[i..<(i + len)], as: UTF8.self)?.unicodeScalars.first {
                out.append(scalar)
                i += len
            } else {
                out.append(contentsOf: ("\\x" + hex(UInt32(lead), width: 2)).unicodeScalars)
                i += 1
            }
        }
        return escape(String(out))
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
