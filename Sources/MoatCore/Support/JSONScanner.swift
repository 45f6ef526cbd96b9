/// A small, bounded JSON parser over bytes for headers embedded in binary formats (safetensors).
///
/// It builds inert values only, rejects nesting deeper than `maxDepth`, never reads past the bytes
/// it was given, and builds at most `maxNodes` values per parse (a value tree costs tens of bytes
/// per input byte, so a budget keeps memory bounded by the input; past it, values are checked
/// but not kept, and `dropped` is set). Numbers keep their text so large integers are exact.
enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var int: Int? { if case .number(let n) = self { return Int(n) }; return nil }
    var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    var members: [(String, JSONValue)]? { if case .object(let m) = self { return m }; return nil }
}

struct JSONScanner {
    let b: [UInt8]
    var i: Int
    let end: Int
    let maxDepth = 64
    /// Values still to build before the rest are only validated.
    var nodes: Int
    /// Set when some values were validated but not kept (over the node budget).
    var dropped = false

    /// Default node budget of `parse`: far above any real config or header member.
    static let maxNodes = 1 << 17

    init(b: [UInt8], i: Int, end: Int, maxNodes: Int = JSONScanner.maxNodes) {
        self.b = b
        self.i = i
        self.end = end
        self.nodes = maxNodes
    }

    /// Parses one JSON value spanning `bytes[range]` (trailing whitespace allowed). Nil when invalid.
    static func parse(_ bytes: [UInt8], _ range: Range<Int>, maxNodes: Int = JSONScanner.maxNodes) -> JSONValue? {
        var s = JSONScanner(b: bytes, i: range.lowerBound, end: range.upperBound, maxNodes: maxNodes)
        guard let v = s.value(depth: 0), !s.dropped else { return nil }
        s.skipSpace()
        return s.i == s.end ? v : nil
    }

    /// Streams the members of the JSON object spanning `bytes[range]`: each member's value is built
    /// (with a fresh budget of `maxNodes`), handed to `body`, and dropped, so memory stays that of one
    /// member however many there are. `body` gets whether the value was cut by the budget and returns
    /// false to stop early. Returns nil when the text is not a valid object (up to where it stopped),
    /// false when `body` stopped, true at the end.
    static func forEachMember(_ bytes: [UInt8], _ range: Range<Int>, maxNodes: Int = 4_096,
                              _ body: (String, JSONValue, _ dropped: Bool) -> Bool) -> Bool? {
        var s = JSONScanner(b: bytes, i: range.lowerBound, end: range.upperBound, maxNodes: maxNodes)
        s.skipSpace()
        guard s.i < s.end, s.b[s.i] == UInt8(ascii: "{") else { return nil }
        s.i += 1
        s.skipSpace()
        if s.i < s.end, s.b[s.i] == UInt8(ascii: "}") {
            s.i += 1
            s.skipSpace()
            return s.i == s.end ? true : nil
        }
        while true {
            s.skipSpace()
            guard let k = s.string() else { return nil }
            s.skipSpace()
            guard s.i < s.end, s.b[s.i] == UInt8(ascii: ":") else { return nil }
            s.i += 1
            s.nodes = maxNodes
            s.dropped = false
            guard let v = s.value(depth: 1) else { return nil }
            if !body(k, v, s.dropped) { return false }
            s.skipSpace()
            guard s.i < s.end else { return nil }
            if s.b[s.i] == UInt8(ascii: ",") { s.i += 1; continue }
            if s.b[s.i] == UInt8(ascii: "}") {
                s.i += 1
                s.skipSpace()
                return s.i == s.end ? true : nil
            }
            return nil
        }
    }

    /// Charges one value to the node budget; false when it is to be validated but not kept.
    private mutating func keep() -> Bool {
        if nodes > 0 { nodes -= 1; return true }
        dropped = true
        return false
    }

    mutating func skipSpace() {
        while i < end, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth < maxDepth else { return nil }
        skipSpace()
        guard i < end else { return nil }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if i < end, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                guard let k = string() else { return nil }
                skipSpace()
                guard i < end, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard let v = value(depth: depth + 1) else { return nil }
                if keep() { members.append((k, v)) }
                skipSpace()
                guard i < end else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                return nil
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < end, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                if keep() { items.append(v) }
                skipSpace()
                guard i < end else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                return nil
            }
        case UInt8(ascii: "\""):
            return string().map { .string($0) }
        case UInt8(ascii: "t"):
            return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"):
            return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"):
            return literal("null") ? .null : nil
        default:
            let start = i
            while i < end, (b[i] >= 0x30 && b[i] <= 0x39) || b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")
                || b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") { i += 1 }
            guard i > start, i - start <= 40 else { return nil }
            return .number(String(decoding: b[start..<i], as: UTF8.self))
        }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let w = ascii(word)
        guard b.has(w, at: i), i + w.count <= end else { return false }
        i += w.count
        return true
    }

    mutating func string() -> String? {
        guard i < end, b[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { return nil }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < end else { return nil }
                let e = b[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= end, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
                    i += 4
                    out.append(contentsOf: Array(String(Unicode.Scalar(v) ?? "\u{FFFD}").utf8))
                default: out.append(e)
                }
                continue
            }
            out.append(c)
            i += 1
        }
        return nil
    }
}
