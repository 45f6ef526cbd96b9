/// A file path as the raw bytes the file system or git gave us.
///
/// Paths are not always UTF-8 (Linux file names are arbitrary bytes), so they are kept as bytes and
/// only turned into text for display, using git's quoting for anything that is not printable UTF-8.
public struct PathBytes: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// The path as text: itself when it is valid UTF-8 without control characters (C0, DEL, and the
    /// C1 range U+0080-U+009F, which terminals also obey: U+009B is CSI), otherwise git-style quoted
    /// (`"dir/\303\251t\351.bin"`, octal escapes), so it is printable and unambiguous.
    public var description: String {
        if let s = String(validating: bytes, as: UTF8.self),
           !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }),
           !s.unicodeScalars.contains(where: { $0.value >= 0x80 && $0.value <= 0x9F }) {
            return s
        }
        var out = "\""
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                // Keep valid multi-byte UTF-8 sequences readable; escape everything else.
                if let (scalar, len) = PathBytes.decodeScalar(bytes, at: i), len > 1 {
                    out.unicodeScalars.append(scalar)
                    i += len
                    continue
                }
                let o = String(b, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - o.count) + o
            }
            i += 1
        }
        return out + "\""
    }

    /// The last path component.
    public var fileName: [UInt8] {
        if let slash = bytes.lastIndex(of: UInt8(ascii: "/")) { return Array(bytes[(slash + 1)...]) }
        return bytes
    }

    /// Joins a child name with a `/`.
    public func appending(_ component: [UInt8]) -> PathBytes {
        if bytes.isEmpty { return PathBytes(component) }
        var b = bytes
        if b.last != UInt8(ascii: "/") { b.append(UInt8(ascii: "/")) }
        b.append(contentsOf: component)
        return PathBytes(b)
    }

    /// The path with ASCII letters lowered, for case-insensitive name rules.
    public var lowercased: [UInt8] {
        bytes.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }
    }

    public static func < (a: PathBytes, b: PathBytes) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    static func decodeScalar(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        let len: Int
        switch lead {
        case 0xC2...0xDF: len = 2
        case 0xE0...0xEF: len = 3
        case 0xF0...0xF4: len = 4
        default: return nil
        }
        guard i + len <= b.count else { return nil }
        guard let s = String(validating: b[i..<(i + len)], as: UTF8.self), let scalar = s.unicodeScalars.first,
              scalar.value >= 0xA0 else { return nil }
        return (scalar, len)
    }
}
