// Build-time generator: hooks/<name> files -> Swift source with each script as a string constant,
// so the installed hooks are the files in hooks/ byte for byte and nobody keeps a copy by hand.
//   moat-hooks-gen OUTPUT.swift hooks/pre-commit hooks/pre-push
#if canImport(Glibc)
import Glibc
#endif

/// "pre-commit" -> "preCommit".
func identifier(_ fileName: String) -> String {
    var out = ""
    var upper = false
    for c in fileName {
        if c == "-" || c == "_" || c == "." { upper = true; continue }
        out += upper ? c.uppercased() : String(c)
        upper = false
    }
    return out
}

/// A Swift string literal holding exactly `bytes` (UTF-8 text).
func literal(_ bytes: [UInt8]) -> String {
    var out = "\""
    for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n\"\n        + \""
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

/// One line on standard error, then exit.
func fail(_ message: String, status: Int32) -> Never {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return bytes
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: moat-hooks-gen OUTPUT.swift HOOK...", status: 2) }
var swift = """
    // Generated at build time from hooks/ by moat-hooks-gen; edit the files in hooks/, not this.

    /// The hook scripts `HookInstaller` writes, embedded so the binary needs no data files.
    /// `@MOAT_PATH@` stands for the shell-quoted path of the moat binary that installs the hook.
    enum HookTemplates {

    """
for path in arguments.dropFirst(2) {
    guard let bytes = readFile(path), String(validating: bytes, as: UTF8.self) != nil else { fail("moat-hooks-gen: cannot read \(path) as UTF-8 text", status: 1) }
    let name = String(path.split(separator: "/").last ?? "")
    swift += "    /// hooks/\(name)\n    static let \(identifier(name)) = \(literal(bytes))\n\n"
}
swift += "}\n"
guard let out = fopen(arguments[1], "wb") else { fail("moat-hooks-gen: cannot write \(arguments[1])", status: 1) }
fputs(swift, out)
fclose(out)
