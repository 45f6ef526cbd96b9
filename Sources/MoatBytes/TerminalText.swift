/// Text from files and input that may reach a terminal: control characters written as visible
/// escapes, and excerpts cut short.
///
/// A crafted config, rule file or hook input can carry an escape sequence, a line break or a
/// bidirectional override in any value an error message quotes; printed raw it moves the cursor,
/// forges lines or hides text. A 1 MiB key quoted whole buries the message. Error messages quote
/// content through `excerpt` only. (`DisplayText` in MoatCore applies `escape` to findings.)
public enum TerminalText {
    /// C0 controls, DEL, C1 controls (U+0080-U+009F) and bidirectional overrides and isolates.
    public static func isUnsafe(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069)
    }

    /// `s` with every unsafe scalar written as `\x1b` or `\u{202e}`; `s` itself when it has none.
    /// Idempotent.
    public static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isUnsafe) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars { append(u, to: &out) }
        return String(out)
    }

    /// `s` escaped and cut to at most `limit` scalars (then ending in "…"): for quoting content in
    /// a one-line message.
    public static func excerpt(_ s: String, limit: Int = 80) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            var piece = String.UnicodeScalarView()
            append(u, to: &piece)
            guard out.count + piece.count <= limit else {
                out.append("…")
                break
            }
            out.append(contentsOf: piece)
        }
        return String(out)
    }

    /// `excerpt` of bytes decoded as UTF-8 (invalid sequences replaced).
    public static func excerpt<C: Collection>(bytes: C, limit: Int = 80) -> String where C.Element == UInt8 {
        excerpt(String(decoding: bytes.prefix(4 * limit + 4), as: UTF8.self), limit: limit)  // a scalar takes at most 4 bytes
    }

    private static func append(_ u: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        guard isUnsafe(u) else { return out.append(u) }
        let digits = String(u.value, radix: 16)
        let text = u.value < 0x80 ? "\\x" + String(repeating: "0", count: 2 - digits.count) + digits
            : "\\u{" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "}"
        out.append(contentsOf: text.unicodeScalars)
    }
}
