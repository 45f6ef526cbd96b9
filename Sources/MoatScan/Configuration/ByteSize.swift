/// A size as people write it in `.moat.yaml` (`max-file-size: 5MB`): a whole or decimal number
/// and a unit, B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), letters
/// in any case; a bare whole number is bytes. `5M` is refused: is it MB or MiB?
enum ByteSize {
    static let units: [(String, Double)] = [
        ("b", 1), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
        ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776),
    ]

    /// The size in bytes, or nil when `text` is not one (or is 0, or too large to count).
    static func parse(_ text: String) -> Int? {
        let s = text.lowercased().filter { $0 != " " }
        let split = s.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) ?? s.endIndex
        let number = s[..<split], unit = s[split...]
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number.first != ".", number.last != ".",
              let value = Double(number) else { return nil }
        let scale: Double
        if unit.isEmpty {
            guard !number.contains(".") else { return nil }
            scale = 1
        } else {
            guard let u = units.first(where: { $0.0 == unit }) else { return nil }
            scale = u.1
        }
        let bytes = (value * scale).rounded()
        guard bytes >= 1, bytes < 9e18 else { return nil }
        return Int(bytes)
    }
}
