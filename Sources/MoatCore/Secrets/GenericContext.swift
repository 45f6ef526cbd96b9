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
        if isAlgoliaSearchKey(text: text, secret: secret, lineStart: lo) { return true }
        return false
    }

    /// Algolia search-only keys (DocSearch configs of documentation sites) are public by
    /// design: a 32-hex value with `docsearch` up to 400 bytes before it, or `algolia` and an app
    /// id before it or `search` in its name, unless its name says admin or write.
    static func isAlgoliaSearchKey(text: UnsafeRawBufferPointer, secret: Range<Int>, lineStart: Int) -> Bool {
        guard secret.count == 32, text[secret].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return false }
        func contains(_ word: String, in range: Range<Int>) -> Bool {
            let w = Array(word.utf8)
            guard range.count >= w.count else { return false }
            var i = range.lowerBound
            while i + w.count <= range.upperBound {
                var j = 0
                while j < w.count, (text[i + j] | 0x20) == w[j] { j += 1 }
                if j == w.count { return true }
                i += 1
            }
            return false
        }
        let name = lineStart..<secret.lowerBound
        if contains("admin", in: name) || contains("write", in: name) { return false }
        let window = max(0, secret.lowerBound - 400)..<secret.lowerBound
        if contains("docsearch", in: window) { return true }
        // An Algolia block that names its application and index (a search client's config), or
        // a key named for search.
        return contains("algolia", in: window) && (contains("search", in: name) || contains("appid", in: window) || contains("app_id", in: window))
    }
}
