#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatMatch

/// The checks a captured secret goes through after its pattern matched: entropy, stopwords and
/// the offline validators. Bytes in, Bool out; no Foundation. `moat rules --test` runs them on
/// rule authors' examples.
public enum SecretChecks {
    /// Shannon entropy in bits per byte (the engine's implementation).
    public static func entropy<C: Collection>(_ bytes: C) -> Double where C.Element == UInt8 {
        Entropy.shannon(Array(bytes))
    }

    /// Whether `bytes` contains one of `words`, ASCII case-insensitively.
    public static func containsStopword(_ bytes: [UInt8], _ words: [String]) -> Bool {
        guard !words.isEmpty else { return false }
        let hay = bytes.map(lower)
        for w in words {
            let needle = Array(w.utf8).map(lower)
            if needle.isEmpty || needle.count > hay.count { continue }
            var i = 0
            while i + needle.count <= hay.count {
                if hay[i] == needle[0] && hay[i..<i + needle.count].elementsEqual(needle) { return true }
                i += 1
            }
        }
        return false
    }

    /// Runs one offline validator.
    public static func validate(_ secret: [UInt8], _ validator: SecretRule.Validator) -> Bool {
        switch validator {
        case .none: return true
        case .githubChecksum: return githubChecksum(secret)
        case .jwt: return jwt(secret)
        case .pem: return pem(secret)
        case .awsKeyID: return awsKeyID(secret)
        case .pemWrapped: return pemWrapped(secret)
        case .pemBase64: return pemBase64(secret)
        case .password: return password(secret)
        case .genericSecret: return genericSecret(secret)
        }
    }

    // MARK: known public values

    /// Values published on purpose, dropped by every rule (like AWS's `AKIAIOSFODNN7EXAMPLE`):
    /// AWS's documentation keys, and Neptune's anonymous API token (a base64 JSON whose api_key
    /// is the public `b706bc8f-…`), in any base64 alignment, or a piece of it without an api_key.
    static let neptuneAnonymousKey = Array("b706bc8f-76f9-4c2e-939d-4ba036f932e4".utf8)
    static let exampleUpper = Array("EXAMPLE".utf8)

    public static func isKnownPublic(_ s: [UInt8]) -> Bool {
        // Both documentation keys end in EXAMPLE / EXAMPLEKEY: test that cheaply first.
        if s.count >= 20, find(exampleUpper, in: s, from: 0) != nil,
           containsStopword(s, ["akiaiosfodnn7example", "wjalrxutnfemi/k7mdeng/bpxrficyexamplekey"]) { return true }
        if starts(s, "eyJhcGlfYWRkcmVzcyI6") {
            var body = Array(s.prefix(while: isBase64).filter { $0 != UInt8(ascii: "=") })
            while body.count % 4 == 1 { body.removeLast() }
            guard let json = base64Decode(body[...], urlSafe: false) else { return false }
            return find(neptuneAnonymousKey, in: json, from: 0) != nil || find(Array("\"api_key\"".utf8), in: json, from: 0) == nil
        }
        return false
    }

    // MARK: github-checksum

    static let base62Alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `prefix_` + payload + base62(CRC32(payload)) left-padded with '0' to 6 characters.
    public static func githubChecksum(_ s: [UInt8]) -> Bool {
        guard let underscore = s.firstIndex(of: UInt8(ascii: "_")) else { return false }
        let rest = Array(s[(underscore + 1)...])
        guard rest.count >= 7, rest.allSatisfy({ base62Alphabet.contains($0) }) else { return false }
        let payload = rest[..<(rest.count - 6)]
        return base62(crc32(payload), width: 6) == Array(rest[(rest.count - 6)...])
    }

    static func base62(_ value: UInt32, width: Int) -> [UInt8] {
        var n = value
        var out: [UInt8] = []
        while n > 0 {
            out.append(base62Alphabet[Int(n % 62)])
            n /= 62
        }
        while out.count < width { out.append(UInt8(ascii: "0")) }
        return out.reversed()
    }

    private static let crcTable: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE 802.3, as zlib's crc32).
    public static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    // MARK: jwt

    public static func jwt(_ s: [UInt8]) -> Bool {
        let parts = s.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count >= 3, let header = base64Decode(parts[0], urlSafe: true), !header.isEmpty else { return false }
        guard let json = JSONScanner.parse(header, 0..<header.count), json["alg"]?.string != nil else { return false }
        return true
    }

    // MARK: pem

    public static func pem(_ raw: [UInt8]) -> Bool {
        let s = unescapeNewlines(raw)
        let begin = Array("-----BEGIN ".utf8), end = Array("-----END ".utf8), dashes = Array("-----".utf8)
        guard let b = find(begin, in: s, from: 0),
              let labelEnd = find(dashes, in: s, from: b + begin.count) else { return false }
        let label = Array(s[(b + begin.count)..<labelEnd])
        let bodyStart = labelEnd + dashes.count
        guard let e = find(end, in: s, from: bodyStart),
              let endLabelEnd = find(dashes, in: s, from: e + end.count),
              Array(s[(e + end.count)..<endLabelEnd]) == label else { return false }
        var encrypted = false
        var lines: [[UInt8]] = []
        for line in s[bodyStart..<e].split(separator: 0x0A) {
            let t = trim(Array(line))
            if t.isEmpty { continue }
            if t.contains(UInt8(ascii: ":")) {
                if starts(t, "Proc-Type:") && find(Array("ENCRYPTED".utf8), in: t, from: 0) != nil { encrypted = true }
                continue
            }
            lines.append(t)
        }
        let isPGP = find(Array("PGP".utf8), in: label, from: 0) != nil
        if isPGP, let last = lines.last, last.first == UInt8(ascii: "=") { lines.removeLast() }
        // Whitespace inside lines is ignored too (keys whose newlines were turned into spaces).
        let body = lines.flatMap { $0 }.filter { $0 != 0x20 && $0 != 0x09 }
        guard let der = base64Decode(body[...], urlSafe: false), der.count >= 40 else { return false }
        if find(Array("OPENSSH".utf8), in: label, from: 0) != nil { return starts(der, "openssh-key-v1\u{0}") }
        if isPGP { return der[0] & 0x80 != 0 }
        if encrypted { return true }
        return der[0] == 0x30
    }

    // MARK: pem-wrapped

    /// `-----BEGIN X PRIVATE KEY-----` ... `-----END`: the body's lines (split at newlines and at
    /// literal `\n`), each reduced to its longest run of base64 characters (which drops quotes,
    /// `+` concatenation, commas and per-line log prefixes), headers (`Proc-Type:`) skipped.
    public static func pemWrapped(_ raw: [UInt8]) -> Bool {
        let begin = Array("-----BEGIN ".utf8), end = Array("-----END ".utf8), dashes = Array("-----".utf8)
        guard let b = find(begin, in: raw, from: 0),
              let labelEnd = find(dashes, in: raw, from: b + begin.count),
              let e = find(end, in: raw, from: labelEnd + dashes.count) else { return false }
        let label = Array(raw[(b + begin.count)..<labelEnd])
        var encrypted = false
        var body: [UInt8] = []
        var line: [UInt8] = []
        func flush() {
            defer { line.removeAll(keepingCapacity: true) }
            if find(Array("Proc-Type:".utf8), in: line, from: 0) != nil {
                if find(Array("ENCRYPTED".utf8), in: line, from: 0) != nil { encrypted = true }
                return
            }
            // An armour header (`DEK-Info: …`, `Version: GnuPG …`, `Comment: …`), after any prefix.
            if let w = line.firstIndex(where: { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) {
                var j = w
                while j < line.count, ((line[j] | 0x20) >= 0x61 && (line[j] | 0x20) <= 0x7A) || line[j] == UInt8(ascii: "-") { j += 1 }
                if j + 1 < line.count, line[j] == UInt8(ascii: ":"), line[j + 1] == 0x20 { return }
            }
            var best = 0..<0, start = 0
            for i in 0...line.count {
                if i < line.count && isBase64(line[i]) { continue }
                if i - start > best.count { best = start..<i }
                start = i + 1
            }
            // A short run on a line is a prefix or a word, not key material (the last line of a
            // key can be short, so only a run under 4 characters is dropped).
            if best.count >= 4 { body += line[best] }
        }
        var i = labelEnd + dashes.count
        while i < e {
            let c = raw[i]
            if c == 0x0A || c == 0x0D { flush(); i += 1; continue }
            if c == UInt8(ascii: "\\") {
                var j = i
                while j < e, raw[j] == UInt8(ascii: "\\") { j += 1 }
                if j < e, raw[j] == UInt8(ascii: "n") || raw[j] == UInt8(ascii: "r") { flush(); i = j + 1; continue }
            }
            line.append(c)
            i += 1
        }
        flush()
        // A PGP armour checksum (`=abcd`) ends the body.
        if let eq = body.firstIndex(of: UInt8(ascii: "=")), eq + 1 < body.count, body[(eq + 1)...].contains(where: { $0 != UInt8(ascii: "=") }) {
            body = Array(body[..<eq])
        }
        while body.count % 4 == 1 { body.removeLast() }
        guard let der = base64Decode(body[...], urlSafe: false), der.count >= 48 else { return false }
        if encrypted { return true }
        if starts(der, "openssh-key-v1\u{0}") { return true }
        if find(Array("PGP".utf8), in: label, from: 0) != nil { return der[0] & 0x80 != 0 }
        return der[0] == 0x30
    }

    @inline(__always) static func isBase64(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2F || c == 0x3D
    }

    // MARK: pem-base64

    public static func pemBase64(_ s: [UInt8]) -> Bool {
        var body = Array(s.prefix(while: isBase64))
        while body.count % 4 == 1 { body.removeLast() }
        guard let text = base64Decode(body[...], urlSafe: false) else { return false }
        guard find(Array("PRIVATE KEY".utf8), in: text, from: 0) != nil else { return false }
        return pemWrapped(text)
    }

    // MARK: password

    /// Values that name the field or stand for "no value" rather than being one.
    static let passwordWords: Set<[UInt8]> = Set(passwordWordList.map { Array($0.utf8) })
    static let passwordWordList: [String] = [
        "password", "passwd", "passwort", "pwd", "pass", "passphrase", "secret", "mypassword", "yourpassword", "userpassword",
        "newpassword", "oldpassword", "dbpassword", "adminpassword", "rootpassword", "changeme", "changeit", "none", "null", "nil",
        "undefined", "true", "false", "string", "str", "int", "bool", "boolean", "object", "required", "optional", "hidden",
        "empty", "text", "input", "value", "values", "dummy", "example", "sample", "placeholder", "redacted", "masked", "test",
        "testing", "notset", "unset", "default", "fail", "failed", "passed", "ok", "todo", "tbd", "xxx", "secretpassword",
        "passwordhere", "enterpassword", "confirmpassword", "password1", "password123", "admin", "root", "guest", "user",
        "username", "postgres", "mysql", "sqlserver", "letmein", "qwerty", "hunter2", "abc123", "foobar", "foo", "bar",
    ]

    /// Whether a captured password is a literal credential: not a placeholder, a template or
    /// variable reference (`${X}`, `$X`, `%X%`, `{{ x }}`, `<x>`), an expression (a call, a
    /// member chain, an index), a mask, a hash or an encrypted envelope, a CLI flag, a label
    /// ending in `:`, prose, or a sequential run. Bytes only; O(length).
    public static func password(_ s: [UInt8]) -> Bool {
        let v = trim(s)
        guard v.count >= 4, v.count <= 160 else { return false }
        let lower = v.map(lower)
        let letters = lower.filter { $0 >= 0x61 && $0 <= 0x7A }
        if passwordWords.contains(lower.filter { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }) { return false }
        func has(_ markers: [[UInt8]]) -> Bool { markers.contains { find($0, in: lower, from: 0) != nil } }
        let first = v[0], last = v[v.count - 1]
        // Templates, variables, references.
        if has(templateMarkers) { return false }
        if first == UInt8(ascii: "$") && v.count > 1 && (isIdentStart(v[1]) || v[1] == UInt8(ascii: "{")) { return false }
        // user:$PASSWORD (a variable after the separator of a credential pair).
        if let colon = v.firstIndex(of: UInt8(ascii: ":")), colon + 2 < v.count, v[colon + 1] == UInt8(ascii: "$"),
           isIdentStart(v[colon + 2]) || v[colon + 2] == UInt8(ascii: "{") || v[colon + 2] == UInt8(ascii: "(") { return false }
        if first == UInt8(ascii: "%") && last == UInt8(ascii: "%") { return false }
        if first == UInt8(ascii: "@") && last == UInt8(ascii: "@") { return false }
        if first == UInt8(ascii: "<") && last == UInt8(ascii: ">") { return false }
        if first == UInt8(ascii: "{") && last == UInt8(ascii: "}") { return false }
        if first == UInt8(ascii: "[") && last == UInt8(ascii: "]") { return false }
        if first == UInt8(ascii: "(") && last == UInt8(ascii: ")") { return false }
        if first == UInt8(ascii: "-") && v.count > 1 && v[1] == UInt8(ascii: "-") { return false }
        if first == UInt8(ascii: ":") && v.dropFirst().allSatisfy({ isIdentStart($0) || ($0 >= 0x30 && $0 <= 0x39) }) { return false }
        if first == UInt8(ascii: "!") || first == UInt8(ascii: "&") || first == UInt8(ascii: "*") && v.allSatisfy({ $0 == UInt8(ascii: "*") }) { return false }
        // A label ("Password:"), unless it carries digits (`token:` as curl's user with no password).
        if last == UInt8(ascii: ":") && !v.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) { return false }
        // Code fragments: a string that starts a concatenation or ends at an open call.
        if first == UInt8(ascii: "+") || first == UInt8(ascii: ")") || first == UInt8(ascii: ",") || last == UInt8(ascii: "(") || last == UInt8(ascii: "+") { return false }
        // A name, selector or key that names the field (`#add-password`, `reset_password_form`).
        if has(fieldWords) {
            if lower.contains(where: { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: ".") }),
               lower.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: ".") }) { return false }
        }
        // Placeholders and masks.
        if has(placeholderMarkers) { return false }
        if Set(lower).count <= 2 { return false }
        // Hashes and encrypted envelopes.
        if has(envelopeMarkers) { return false }
        if (v.count == 35 && starts(lower, "md5") && lower[3...].allSatisfy(isHex)) || (v.count == 41 && first == UInt8(ascii: "*") && lower[1...].allSatisfy(isHex)) { return false }
        // Expressions: a call, an index, a member chain, a lambda, a cast.
        if v.contains(UInt8(ascii: "(")) && v.contains(UInt8(ascii: ")")) && isIdentStart(first) { return false }
        if isIdentStart(first) && last == UInt8(ascii: "]") && v.contains(UInt8(ascii: "[")) { return false }
        if has(expressionMarkers) { return false }
        if isMemberChain(v) { return false }
        // Prose: several words of letters only.
        if v.contains(0x20) && !v.contains(where: { !(($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A) && $0 != 0x20 }) { return false }
        // A run of the alphabet, the digits or the keyboard.
        if letters.count == v.count || v.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            for run in sequentialRuns where find(lower, in: run, from: 0) != nil { return false }
        }
        return true
    }

    static let templateMarkers: [[UInt8]] = ["${", "$(", "#{", "{{", "}}", "%{", "%(", "<%", "[[", "]]", "{0}", "{}", "%s", "%d", "$env:", "env.",
        "environ", "getenv", "process.", "secrets.", "vars.", "settings.", "config.", "params.", "args.", "options.", "self.", "this."].map { Array($0.utf8) }
    static let placeholderMarkers: [[UInt8]] = ["your", "xxxx", "****", "....", "•", "redacted", "placeholder", "changeme", "change_me", "replace",
        "example", "dummy", "<pass", "insert", "_here", "-here", "here>", "secret_key_base", "notreal", "not_real", "not-a-real", "enter_",
        "enter-", "enter ", "todo", "fixme"].map { Array($0.utf8) }
    static let fieldWords: [[UInt8]] = ["passw", "secret", "token"].map { Array($0.utf8) }
    static let envelopeMarkers: [[UInt8]] = ["$2a$", "$2b$", "$2y$", "$1$", "$5$", "$6$", "$y$", "$argon2", "$scrypt$", "$pbkdf2", "$apr1$",
        "pbkdf2_sha", "{ssha}", "{sha}", "scram-sha-", "enc(", "enc[", "{cipher}", "$ansible_vault", "!vault", "vault:v1:", "age-encryption",
        "u2fsdgvkx1"].map { Array($0.utf8) }
    static let expressionMarkers: [[UInt8]] = ["=>", "->", "::"].map { Array($0.utf8) }
    static let sequentialRuns: [[UInt8]] = ["abcdefghijklmnopqrstuvwxyz", "0123456789", "9876543210", "qwertyuiopasdfghjklzxcvbnm"].map { Array($0.utf8) }

    @inline(__always) static func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }
    @inline(__always) static func isIdentStart(_ c: UInt8) -> Bool { ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) || c == UInt8(ascii: "_") }

    /// `a.b`, `obj.attr.name`: identifiers joined by dots, each starting with a letter or `_`,
    /// the last one not all upper-case-less digits (`v1.2` is a version, `a.b` a chain).
    static func isMemberChain(_ v: [UInt8]) -> Bool {
        var parts = 0, i = 0
        while i < v.count {
            guard isIdentStart(v[i]) else { return false }
            let start = i
            i += 1
            while i < v.count, isIdentStart(v[i]) || (v[i] >= 0x30 && v[i] <= 0x39) { i += 1 }
            // Each part reads as a name (words, snake_case, camelCase), not random characters.
            guard v[start..<i].split(separator: UInt8(ascii: "_")).allSatisfy(isWordOrNumber) else { return false }
            parts += 1
            if i == v.count { break }
            guard v[i] == UInt8(ascii: "."), i + 1 < v.count else { return false }
            i += 1
        }
        return parts >= 2
    }

    // MARK: generic-secret

    /// Whether a value assigned to a key/token/secret name looks like key material: a literal
    /// (the `password` checks), with letters and digits, and not an identifier (`snake_case_1`,
    /// `camelCaseName2`), a member chain, a path or URL, a UUID, a version, a hex run under
    /// 16 characters, nor too regular for its length (entropy over log2(length) under 0.75).
    public static func genericSecret(_ s: [UInt8]) -> Bool {
        let v = trim(s)
        guard v.count >= 12 else { return false }
        var upper = 0, lowerCount = 0, digits = 0, other = 0
        for c in v {
            if c >= 0x41 && c <= 0x5A { upper += 1 } else if c >= 0x61 && c <= 0x7A { lowerCount += 1 } else if c >= 0x30 && c <= 0x39 { digits += 1 } else { other += 1 }
        }
        guard digits > 0, upper + lowerCount > 0 else { return false }
        if v.contains(UInt8(ascii: "/")) && (v.first == UInt8(ascii: "/") || v.contains(UInt8(ascii: ":")) || v.contains(UInt8(ascii: "."))) { return false }
        // UUID (an identifier far more often than a key).
        if v.count == 36, [8, 13, 18, 23].allSatisfy({ v[$0] == UInt8(ascii: "-") }) { return false }
        // Versions and dotted names: 1.2.3, rc0.15.0_2023, com.example.app.
        if v.contains(UInt8(ascii: ".")) {
            let parts = v.split(separator: UInt8(ascii: "."))
            if parts.count >= 2 && parts.allSatisfy({ p in p.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || $0 >= 0x30 && $0 <= 0x39 || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") } && p.count < 12 }) { return false }
        }
        // snake_case / kebab-case identifiers: lower-case words and digits joined by _ or -.
        let seps = v.filter { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }.count
        if upper == 0 && seps > 0 && other == seps { return false }
        // camelCase / PascalCase identifiers: a letter run with a few capitals, digits at the end only.
        if other == 0, let firstDigit = v.firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }),
           v[firstDigit...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), upper <= 4, lowerCount >= 2 * upper { return false }
        // Identifiers and paths made of words and numbers: DOC_Vector_5_32, SalesResults-1.2,
        // moatFingerprint/v1.
        let segments = v.split(whereSeparator: { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "/") })
        if segments.count >= 2, segments.allSatisfy(isWordOrNumber) { return false }
        let isHexRun = v.allSatisfy { isHex(lower($0)) }
        if isHexRun && v.count < 16 { return false }
        let h = entropy(v)
        let norm = h / log2(Double(min(v.count, isHexRun ? 16 : 64)))
        guard norm >= (isHexRun ? 0.72 : 0.75) else { return false }
        return password(s)
    }

    /// A number, or letters shaped like a word (lower case, Capitalised, camelCase with few
    /// capitals, or an upper-case acronym up to 8) optionally followed by digits.
    static func isWordOrNumber(_ s: ArraySlice<UInt8>) -> Bool {
        let letters = s.prefix(while: { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A })
        guard s.dropFirst(letters.count).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        if letters.isEmpty { return true }
        let upper = letters.filter { $0 >= 0x41 && $0 <= 0x5A }.count
        return upper == letters.count ? letters.count <= 8 : (upper <= 3 && letters.count - upper >= 2 * upper)
    }

    // MARK: aws-key-id

    public static func awsKeyID(_ s: [UInt8]) -> Bool {
        guard s.count == 20 else { return false }
        let base32 = s[4...].allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "2") && $0 <= UInt8(ascii: "7")) }
        guard base32 else { return false }
        let prefix = String(decoding: s[0..<4], as: UTF8.self)
        if ["AKIA", "ASIA", "ABIA", "ACCA"].contains(prefix) { return true }
        let c = s[3]
        return prefix.hasPrefix("A3T") && ((c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")))
    }

    // MARK: helpers

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        var i = from
        while i <= hay.count - needle.count {
            if hay[i] == needle[0] && hay[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    static func starts(_ bytes: [UInt8], _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return bytes.count >= p.count && Array(bytes[0..<p.count]) == p
    }

    static func trim(_ b: [UInt8]) -> [UInt8] {
        var lo = 0, hi = b.count
        while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 || b[lo] == 0x0D { lo += 1 }
        while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 || b[hi - 1] == 0x0D { hi -= 1 }
        return Array(b[lo..<hi])
    }

    /// Turns the two-byte escapes `\n` into a newline and drops `\r`, for keys pasted into JSON.
    static func unescapeNewlines(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == UInt8(ascii: "\\"), i + 1 < s.count {
                if s[i + 1] == UInt8(ascii: "n") { out.append(0x0A); i += 2; continue }
                if s[i + 1] == UInt8(ascii: "r") { i += 2; continue }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    /// Decodes base64 (or base64url), padding optional; nil on any other byte.
    static func base64Decode(_ s: ArraySlice<UInt8>, urlSafe: Bool) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(s.count)
        var padding = 0
        for c in s {
            let v: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = c - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = c - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+") where !urlSafe, UInt8(ascii: "-") where urlSafe: v = 62
            case UInt8(ascii: "/") where !urlSafe, UInt8(ascii: "_") where urlSafe: v = 63
            case UInt8(ascii: "="):
                padding += 1
                if padding > 2 { return nil }
                continue
            default: return nil
            }
            if padding > 0 { return nil }   // data after padding
            values.append(v)
        }
        if values.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var i = 0
        while i + 4 <= values.count {
            let n = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6 | UInt32(values[i + 3])
            out.append(UInt8(n >> 16 & 0xFF)); out.append(UInt8(n >> 8 & 0xFF)); out.append(UInt8(n & 0xFF))
            i += 4
        }
        let rest = values.count - i
        if rest == 2 {
            out.append(values[i] << 2 | values[i + 1] >> 4)
        } else if rest == 3 {
            out.append(values[i] << 2 | values[i + 1] >> 4)
            out.append((values[i + 1] & 0x0F) << 4 | values[i + 2] >> 2)
        }
        return out
    }
}
