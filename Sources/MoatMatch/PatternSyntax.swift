/// What the engine needs to know about a PCRE2 pattern's syntax without running it: a relaxed
/// form for vectorscan, and the longest match it can make.
///
/// `relax` rewrites a pattern into one vectorscan accepts and compiles quickly, and that matches at
/// least everywhere the original does, with the same match ends. vectorscan rejects zero-width
/// lookaround assertions, atomic groups and possessive quantifiers; dropping them only relaxes the
/// pattern (a match of the original is a match of the rewrite with the same span), which is all a
/// prefilter needs: PCRE2 confirms every candidate with the original. Large bounded repeats
/// (`{100,8000}`) become unbounded (`{100,}`): same ends, and vectorscan compiles them in
/// milliseconds instead of seconds. Capturing groups, named or not, become non-capturing.
/// Constructs that cannot be relaxed this way (backreferences, recursion, conditionals, verbs,
/// extended mode) make the translation fail, and the caller falls back to vectorscan's own
/// prefilter mode or to the rule's keywords.
enum PatternSyntax {
    /// Repeats with an upper bound above this become unbounded in `relax`.
    static let largestBoundedRepeat = 255

    /// The relaxed pattern, or nil when the pattern uses something this rewrite cannot relax.
    static func relax(_ pattern: String) -> String? {
        let p = Array(pattern.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        var i = 0
        var afterQuantifier = false   // the previous token was a quantifier (a `+` now is possessive)

        func byte(_ j: Int) -> UInt8? { j < p.count ? p[j] : nil }
        func starts(_ s: String, at j: Int) -> Bool {
            let b = Array(s.utf8)
            return j + b.count <= p.count && Array(p[j..<j + b.count]) == b
        }
        /// Index just past the character class that starts at `j` (`[`), or nil if unterminated.
        func endOfClass(_ j: Int) -> Int? {
            var k = j + 1
            if byte(k) == UInt8(ascii: "^") { k += 1 }
            if byte(k) == UInt8(ascii: "]") { k += 1 }   // a leading `]` is literal
            while k < p.count {
                switch p[k] {
                case UInt8(ascii: "\\"): k += 2
                case UInt8(ascii: "["):
                    if byte(k + 1) == UInt8(ascii: ":") || byte(k + 1) == UInt8(ascii: ".") || byte(k + 1) == UInt8(ascii: "=") {
                        // POSIX class [:alpha:]
                        var m = k + 2
                        while m + 1 < p.count, !(p[m] == p[k + 1] && p[m + 1] == UInt8(ascii: "]")) { m += 1 }
                        k = m + 2
                    } else { k += 1 }
                case UInt8(ascii: "]"): return k + 1
                default: k += 1
                }
            }
            return nil
        }
        /// Index just past the group whose `(` is at `j`, or nil if unbalanced.
        func endOfGroup(_ j: Int) -> Int? {
            var depth = 0
            var k = j
            while k < p.count {
                switch p[k] {
                case UInt8(ascii: "\\"):
                    if byte(k + 1) == UInt8(ascii: "Q") {
                        var m = k + 2
                        while m + 1 < p.count, !(p[m] == UInt8(ascii: "\\") && p[m + 1] == UInt8(ascii: "E")) { m += 1 }
                        k = m + 2
                    } else { k += 2 }
                case UInt8(ascii: "["):
                    guard let e = endOfClass(k) else { return nil }
                    k = e
                case UInt8(ascii: "("):
                    depth += 1; k += 1
                case UInt8(ascii: ")"):
                    depth -= 1; k += 1
                    if depth == 0 { return k }
                default: k += 1
                }
            }
            return nil
        }
        /// Whether `{` at `j` starts a quantifier `{n}`, `{n,}` or `{n,m}`; returns the index past `}`.
        func quantifierEnd(_ j: Int) -> Int? {
            var k = j + 1
            var digits = 0
            while let b = byte(k), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { k += 1; digits += 1 }
            guard digits > 0 else { return nil }
            if byte(k) == UInt8(ascii: ",") {
                k += 1
                while let b = byte(k), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { k += 1 }
            }
            return byte(k) == UInt8(ascii: "}") ? k + 1 : nil
        }
        func hex(_ b: UInt8) -> [UInt8] {
            let digits = Array("0123456789abcdef".utf8)
            return [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(b >> 4)], digits[Int(b & 15)]]
        }

        while i < p.count {
            let b = p[i]
            switch b {
            case UInt8(ascii: "\\"):
                guard let next = byte(i + 1) else { return nil }
                switch next {
                case UInt8(ascii: "Q"):
                    // \Q...\E: quote each byte as \xHH.
                    var k = i + 2
                    while k < p.count, !(p[k] == UInt8(ascii: "\\") && byte(k + 1) == UInt8(ascii: "E")) {
                        out += hex(p[k]); k += 1
                    }
                    i = min(k + 2, p.count)
                    afterQuantifier = false
                    continue
                case UInt8(ascii: "E"):
                    i += 2; continue
                case UInt8(ascii: "K"):
                    i += 2; continue   // resets the match start; ends are unchanged
                case UInt8(ascii: "1")...UInt8(ascii: "9"), UInt8(ascii: "g"), UInt8(ascii: "k"), UInt8(ascii: "G"):
                    return nil         // backreferences, \G
                case UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "p"), UInt8(ascii: "P"), UInt8(ascii: "N"):
                    if byte(i + 2) == UInt8(ascii: "{") {
                        // \x{41}, \p{L}: copy through the closing brace.
                        guard let close = p[(i + 2)...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                        out += p[i...close]; i = close + 1
                    } else {
                        out += [b, next]; i += 2
                    }
                default:
                    out += [b, next]; i += 2
                }
                afterQuantifier = false
            case UInt8(ascii: "["):
                guard let e = endOfClass(i) else { return nil }
                out += p[i..<e]; i = e
                afterQuantifier = false
            case UInt8(ascii: "("):
                if byte(i + 1) == UInt8(ascii: "*") { return nil }   // verbs, (*UTF) ...
                if byte(i + 1) != UInt8(ascii: "?") {
                    out += Array("(?:".utf8); i += 1
                    afterQuantifier = false
                    continue
                }
                // (? ...
                if starts("(?=", at: i) || starts("(?!", at: i) || starts("(?<=", at: i) || starts("(?<!", at: i) {
                    guard let e = endOfGroup(i) else { return nil }
                    i = e
                    // A quantifier on an assertion would now apply to whatever precedes it.
                    if let q = byte(i), q == UInt8(ascii: "?") || q == UInt8(ascii: "*") || q == UInt8(ascii: "+") || (q == UInt8(ascii: "{") && quantifierEnd(i) != nil) { return nil }
                    continue
                }
                if starts("(?#", at: i) {
                    guard let close = p[i...].firstIndex(of: UInt8(ascii: ")")) else { return nil }
                    i = close + 1; continue
                }
                if starts("(?P<", at: i) || (starts("(?<", at: i)) || starts("(?'", at: i) {
                    let nameStart = starts("(?P<", at: i) ? i + 4 : i + 3
                    let close = p[i + 2] == UInt8(ascii: "'") ? UInt8(ascii: "'") : UInt8(ascii: ">")
                    guard let e = p[nameStart...].firstIndex(of: close) else { return nil }
                    out += Array("(?:".utf8); i = e + 1
                    afterQuantifier = false
                    continue
                }
                if starts("(?>", at: i) || starts("(?|", at: i) {
                    out += Array("(?:".utf8); i += 3
                    afterQuantifier = false
                    continue
                }
                if starts("(?:", at: i) {
                    out += Array("(?:".utf8); i += 3
                    afterQuantifier = false
                    continue
                }
                // Inline options (?i) (?-i) (?i:...) — allowed letters only; extended mode is not supported here.
                var k = i + 2
                while let c = byte(k), c == UInt8(ascii: "i") || c == UInt8(ascii: "m") || c == UInt8(ascii: "s") || c == UInt8(ascii: "-") { k += 1 }
                guard k > i + 2, let c = byte(k), c == UInt8(ascii: ")") || c == UInt8(ascii: ":") else { return nil }
                out += p[i...k]; i = k + 1
                afterQuantifier = false
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                if afterQuantifier {
                    if b == UInt8(ascii: "+") { i += 1; afterQuantifier = false; continue }   // possessive
                    if b == UInt8(ascii: "?") { out.append(b); i += 1; afterQuantifier = false; continue } // lazy
                }
                out.append(b); i += 1
                afterQuantifier = true
            case UInt8(ascii: "{"):
                if let e = quantifierEnd(i) {
                    let body = String(decoding: p[(i + 1)..<(e - 1)], as: UTF8.self)
                    let bounds = body.split(separator: ",", omittingEmptySubsequences: false)
                    let low = bounds[0]
                    let high = bounds.count == 1 ? Int(low) : Int(bounds[1])   // nil: `{m,}`
                    if let high, high > largestBoundedRepeat {
                        out += Array("{\(low),}".utf8)
                    } else {
                        out += p[i..<e]
                    }
                    i = e
                    afterQuantifier = true
                } else {
                    out += Array("\\{".utf8); i += 1
                    afterQuantifier = false
                }
            default:
                out.append(b); i += 1
                afterQuantifier = false
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A pattern matching `keyword` literally, byte for byte (use with HS_FLAG_CASELESS).
    static func literal(_ keyword: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in keyword.utf8 { out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }
}

extension PatternSyntax {
    /// Largest width tracked; anything above counts as unbounded.
    static let unbounded = 1 << 24

    /// The longest match `pattern` can make, in bytes (lookarounds excluded: they are not part of
    /// the match), or nil when it is unbounded (`*`, `+`, `{m,}`, backreferences, recursion) or the
    /// syntax is beyond this analysis (extended mode). An upper bound: alternatives take their
    /// longest branch.
    static func maxWidth(_ pattern: String) -> Int? {
        let p = Array(pattern.utf8)
        var i = 0
        var failed = false

        func byte(_ j: Int) -> UInt8? { j < p.count ? p[j] : nil }
        func add(_ a: Int, _ b: Int) -> Int { min(unbounded, a + b) }
        func mul(_ a: Int, _ b: Int) -> Int { a == 0 || b == 0 ? 0 : (a >= unbounded / max(b, 1) ? unbounded : min(unbounded, a * b)) }
        func isHex(_ b: UInt8?) -> Bool {
            guard let b else { return false }
            return (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 102)
        }
        func skipClass() {
            // p[i] == "[": reuse the class scanner of `relax` by a small local copy.
            var k = i + 1
            if byte(k) == UInt8(ascii: "^") { k += 1 }
            if byte(k) == UInt8(ascii: "]") { k += 1 }
            while k < p.count {
                if p[k] == UInt8(ascii: "\\") { k += 2; continue }
                if p[k] == UInt8(ascii: "["), let n = byte(k + 1), n == UInt8(ascii: ":") || n == UInt8(ascii: ".") || n == UInt8(ascii: "=") {
                    var m = k + 2
                    while m + 1 < p.count, !(p[m] == n && p[m + 1] == UInt8(ascii: "]")) { m += 1 }
                    k = m + 2
                    continue
                }
                if p[k] == UInt8(ascii: "]") { i = k + 1; return }
                k += 1
            }
            failed = true
            i = p.count
        }
        /// Skips a whole group starting at p[i] == "(" (for lookarounds).
        func skipGroup() {
            var depth = 0
            while i < p.count {
                switch p[i] {
                case UInt8(ascii: "\\"): i += 2
                case UInt8(ascii: "["): skipClass(); continue
                case UInt8(ascii: "("): depth += 1; i += 1
                case UInt8(ascii: ")"):
                    depth -= 1; i += 1
                    if depth == 0 { return }
                default: i += 1
                }
            }
            failed = true
        }
        func escape() -> Int {
            // p[i] == "\\"
            guard let n = byte(i + 1) else { failed = true; i = p.count; return 0 }
            i += 2
            switch n {
            case UInt8(ascii: "Q"):
                var w = 0
                while i < p.count, !(p[i] == UInt8(ascii: "\\") && byte(i + 1) == UInt8(ascii: "E")) { w += 1; i += 1 }
                i = min(i + 2, p.count)
                return w
            case UInt8(ascii: "E"), UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "z"),
                 UInt8(ascii: "Z"), UInt8(ascii: "G"), UInt8(ascii: "K"):
                return 0
            case UInt8(ascii: "1")...UInt8(ascii: "9"), UInt8(ascii: "g"), UInt8(ascii: "k"), UInt8(ascii: "X"):
                return unbounded
            case UInt8(ascii: "R"):
                return 2
            case UInt8(ascii: "c"):
                i += 1; return 1
            case UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "p"), UInt8(ascii: "P"), UInt8(ascii: "N"):
                if byte(i) == UInt8(ascii: "{") {
                    while i < p.count && p[i] != UInt8(ascii: "}") { i += 1 }
                    i += 1
                } else if n == UInt8(ascii: "x") {
                    if isHex(byte(i)) { i += 1 }
                    if isHex(byte(i)) { i += 1 }
                } else if n == UInt8(ascii: "p") || n == UInt8(ascii: "P") {
                    i += 1   // \pL
                }
                return 1
            case UInt8(ascii: "0"):
                var k = 0
                while k < 2, let d = byte(i), d >= 48, d <= 55 { i += 1; k += 1 }
                return 1
            default:
                return 1
            }
        }
        /// Multiplier of the quantifier at p[i], if any (1 when there is none).
        func quantifier() -> Int {
            guard let q = byte(i) else { return 1 }
            var times: Int
            switch q {
            case UInt8(ascii: "*"), UInt8(ascii: "+"): times = unbounded; i += 1
            case UInt8(ascii: "?"): times = 1; i += 1
            case UInt8(ascii: "{"):
                var k = i + 1
                var low = 0, digits = 0
                while let d = byte(k), d >= 48, d <= 57 { low = min(unbounded, low * 10 + Int(d - 48)); k += 1; digits += 1 }
                guard digits > 0 else { return 1 }
                var high = low
                if byte(k) == UInt8(ascii: ",") {
                    k += 1
                    var h = 0, hd = 0
                    while let d = byte(k), d >= 48, d <= 57 { h = min(unbounded, h * 10 + Int(d - 48)); k += 1; hd += 1 }
                    high = hd == 0 ? unbounded : h
                }
                guard byte(k) == UInt8(ascii: "}") else { return 1 }
                i = k + 1
                times = high
            default:
                return 1
            }
            if let s = byte(i), s == UInt8(ascii: "?") || s == UInt8(ascii: "+") { i += 1 }   // lazy, possessive
            return times
        }
        func group() -> Int {
            // p[i] == "("
            if byte(i + 1) == UInt8(ascii: "*") {
                // Verbs and start-of-pattern options: no width, but (*pla: ...) style lookarounds
                // are groups of their own.
                skipGroup(); return 0
            }
            guard byte(i + 1) == UInt8(ascii: "?") else {
                i += 1
                let w = alternation()
                if byte(i) == UInt8(ascii: ")") { i += 1 } else { failed = true }
                return w
            }
            let rest = Array(p[(i + 2)...].prefix(3))
            func starts(_ s: String) -> Bool { rest.starts(with: Array(s.utf8)) }
            if starts("=") || starts("!") || starts("<=") || starts("<!") { skipGroup(); return 0 }
            if starts("#") {
                while i < p.count && p[i] != UInt8(ascii: ")") { i += 1 }
                i += 1
                return 0
            }
            if starts("(") || starts("R") || starts("&") || starts("P>") || starts("P=") || starts("+") || starts("-") && rest.count > 1 && rest[1] >= 48 && rest[1] <= 57
                || (rest.first.map { $0 >= 48 && $0 <= 57 } ?? false) {
                skipGroup()
                return unbounded   // conditionals, recursion, subroutine calls
            }
            // Header of a plain, named, atomic, branch-reset or option-setting group.
            var k = i + 2
            if starts("P<") || starts("<") || starts("'") {
                let close = starts("'") ? UInt8(ascii: "'") : UInt8(ascii: ">")
                k = i + (starts("P<") ? 4 : 3)
                while k < p.count && p[k] != close { k += 1 }
                k += 1
            } else if starts(":") || starts(">") || starts("|") {
                k = i + 3
            } else {
                // Options: (?i) or (?i-s:...)
                while let c = byte(k), c != UInt8(ascii: ")") && c != UInt8(ascii: ":") {
                    if c == UInt8(ascii: "x") { failed = true }
                    k += 1
                }
                if byte(k) == UInt8(ascii: ")") { i = k + 1; return 0 }
                k += 1
            }
            i = k
            let w = alternation()
            if byte(i) == UInt8(ascii: ")") { i += 1 } else { failed = true }
            return w
        }
        func alternation() -> Int {
            var best = 0, current = 0
            while i < p.count && !failed {
                let b = p[i]
                if b == UInt8(ascii: ")") { break }
                if b == UInt8(ascii: "|") { best = max(best, current); current = 0; i += 1; continue }
                let w: Int
                switch b {
                case UInt8(ascii: "\\"): w = escape()
                case UInt8(ascii: "["): skipClass(); w = 1
                case UInt8(ascii: "("): w = group()
                case UInt8(ascii: "^"), UInt8(ascii: "$"): i += 1; w = 0
                default: i += 1; w = 1
                }
                current = add(current, mul(w, quantifier()))
            }
            return max(best, current)
        }

        let width = alternation()
        if failed || i < p.count { return nil }
        return width >= unbounded ? nil : width
    }
}
