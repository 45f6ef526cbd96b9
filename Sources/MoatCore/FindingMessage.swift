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
