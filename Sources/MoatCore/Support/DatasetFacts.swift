/// Wording shared by the dataset sniffers, so every summary reads the same way
/// ("12,000 rows × 5 columns", "about 40K records").
enum DatasetFacts {
    /// 12000 -> "12,000".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (k, c) in digits.enumerated() {
            if k > 0, (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// "1 row" / "12,000 rows".
    static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(grouped(n)) \(n == 1 ? singular : plural ?? singular + "s")"
    }

    /// "12,000 rows × 5 columns" (either part may be unknown).
    static func table(rows: Int?, columns: Int?) -> String? {
        switch (rows, columns) {
        case let (r?, c?): return count(r, "row") + " × " + count(c, "column")
        case let (r?, nil): return count(r, "row")
        case let (nil, c?): return count(c, "column")
        default: return nil
        }
    }

    /// `counted` items found in the first `spanned` bytes, scaled to `size`: nil when nothing was spanned.
    static func estimate(_ counted: Int, spanning spanned: Int, of size: Int) -> Int? {
        guard spanned > 0, counted > 0 else { return nil }
        return Int((Double(counted) * Double(size) / Double(spanned)).rounded())
    }

    /// Names for a details entry: the first `limit`, comma-separated, with "…" when there are more.
    static func names(_ names: [String], limit: Int = 16) -> String {
        names.prefix(limit).joined(separator: ", ") + (names.count > limit ? ", …" : "")
    }
}
