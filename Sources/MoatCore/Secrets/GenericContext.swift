import MoatBytes

/// Where a generic rule's match (a credential-looking name and a value, no provider format) is
/// not a credential because of the file it is in, whatever the value: decided from the path and
/// the bytes around the match, after the pattern matched, O(line length).
enum GenericContext {
    /// Extensions of languages where an unquoted right-hand side is an expression, not a literal
    /// (`password = get_password()`, `token = self.token`); config formats (YAML, .env, INI,
    /// properties, Dockerfile, shell) carry credentials unquoted and are not listed.
    static let codeExtensions: Set<String> = [
        "py", "pyi", "ipynb", "js", "jsx", "mjs", "cjs", "ts", "tsx", "go", "java", "kt", "kts", "scala", "groovy", "c", "cc", "cpp",
        "cxx", "h", "hh", "hpp", "cs", "php", "rb", "swift", "rs", "dart", "lua", "m", "mm", "pl", "pm", "r", "vue", "svelte",
        "tf", "hcl", "sql", "ex", "exs", "erl", "clj", "fs", "vb", "json", "toml",
    ]

    /// Minified, bundled or generated files: generic rules are not run on them (their "names"
    /// and "values" are mangled identifiers and base64 data).
    static let generatedSuffixes: [String] = [".min.js", ".min.mjs", ".min.css", ".js.map", ".css.map", ".map", ".bundle.js", "-bundle.js",
                                              ".chunk.js", ".umd.js", ".wasm.js", ".pb.go", "_pb2.py", ".lock", "-lock.json", "lock.yaml"]

    /// A line this long is minified or generated code.
    static let longLine = 2000

    static func rejects(path: PathBytes, text: UnsafeRawBufferPointer, secret: Range<Int>) -> Bool {
        let name = path.lowercased
        for s in generatedSuffixes where name.count >= s.utf8.count && name.suffix(s.utf8.count).elementsEqual(s.utf8) { return true }
        // The line around the match.
        var lo = secret.lowerBound, hi = secret.upperBound
        while lo > 0, text[lo - 1] != 0x0A, secret.lowerBound - lo <= longLine { lo -= 1 }
        while hi < text.count, text[hi] != 0x0A, hi - secret.upperBound <= longLine { hi += 1 }
        if hi - lo > longLine { return true }
        // Unquoted in a language that quotes its literals.
        let before = secret.lowerBound > 0 ? text[secret.lowerBound - 1] : 0
        if before != UInt8(ascii: "\"") && before != UInt8(ascii: "'") && before != UInt8(ascii: "`") && before != UInt8(ascii: ">"),
           let dot = name.lastIndex(of: UInt8(ascii: ".")), name.lastIndex(of: UInt8(ascii: "/")).map({ $0 < dot }) ?? true,
           codeExtensions.contains(String(decoding: name[(dot + 1)...], as: UTF8.self)) {
            return true
        }
        return false
    }
}
