import MoatCore
/// A minimal streaming JSON writer: keys in the order written, strings escaped per RFC 8259.
struct JSONWriter {
    private(set) var out = ""
    private var needsComma: [Bool] = [false]
    private let indentUnit: String
    init(pretty: Bool = true) { indentUnit = pretty ? "  " : "" }

    private var indent: String { String(repeating: indentUnit, count: needsComma.count - 1) }
    private var newline: String { indentUnit.isEmpty ? "" : "\n" }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { out += "," }
        if needsComma.count > 1 { out += newline + indent }
        needsComma[needsComma.count - 1] = true
    }

    mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    mutating func endObject() { close("}") }
    mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    mutating func endArray() { close("]") }

    private mutating func open(_ key: String?, _ bracket: String) {
        separator()
        if let k = key { out += JSONWriter.quote(k) + (indentUnit.isEmpty ? ":" : ": ") }
        out += bracket
        needsComma.append(false)
    }
    private mutating func close(_ bracket: String) {
        let hadItems = needsComma.removeLast()
        if hadItems { out += newline + indent }
        out += bracket
    }

    mutating func field(_ key: String, _ value: String?) { raw(key, value.map(JSONWriter.quote) ?? "null") }
    mutating func field(_ key: String, _ value: Int?) { raw(key, value.map(String.init) ?? "null") }
    /// A number with two decimals, from its value in hundredths (412 -> 4.12).
    mutating func field(_ key: String, hundredths v: Int) {
        let sign = v < 0 ? "-" : ""
        let a = abs(v)
        raw(key, "\(sign)\(a / 100).\(a % 100 < 10 ? "0" : "")\(a % 100)")
    }
    /// A number already formatted as a JSON number (checked: digits, one dot, a leading minus).
    mutating func field(_ key: String, number: String) {
        let ok = !number.isEmpty && number.utf8.enumerated().allSatisfy { i, c in (c >= 0x30 && c <= 0x39) || c == 0x2E || (i == 0 && c == 0x2D) }
            && number.utf8.filter({ $0 == 0x2E }).count <= 1 && number.utf8.last != 0x2E
        raw(key, ok ? number : JSONWriter.quote(number))
    }
    mutating func field(_ key: String, _ value: Bool) { raw(key, value ? "true" : "false") }
    mutating func element(_ value: String) { separator(); out += JSONWriter.quote(value) }

    private mutating func raw(_ key: String, _ json: String) {
        separator()
        out += JSONWriter.quote(key) + (indentUnit.isEmpty ? ":" : ": ") + json
    }

    static func quote(_ s: String) -> String { JSONText.quoted(s) }
}
