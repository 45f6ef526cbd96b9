#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// A name or path convention from `Patterns/`: explains a finding and can refine its category,
/// but never makes one on its own.
public struct PathRule: Sendable {
    public let id: String
    public let description: String
    public let globs: [Glob]
    public let suggests: Category?
    /// The `Patterns/` file it came from.
    public let source: String

    init(id: String, description: String, globs: [String], suggests: Category?, source: String) {
        self.id = id
        self.description = description
        self.globs = globs.map(Glob.init)
        self.suggests = suggests
        self.source = source
    }

    /// Whether the lower-cased path matches any glob.
    public func matches(lowercasedPath: [UInt8]) -> Bool {
        globs.contains { $0.matches(lowercasedPath) }
    }

    /// The rules built into the binary (generated from `Patterns/` at build time).
    public static let builtin: [PathRule] = builtinPathRules

    /// All built-in rules whose globs match `path`.
    public static func matching(_ path: PathBytes) -> [PathRule] {
        let lower = path.lowercased
        return builtin.filter { $0.matches(lowercasedPath: lower) }
    }
}

/// A glob over path bytes: `*` and `?` stay within one folder, `**/` spans folders, `[a-z0-9]` classes.
public struct Glob: Sendable {
    let pattern: [UInt8]
    /// The literal bytes the pattern ends with (after its last wildcard or class), which every
    /// matching path ends with; empty when the pattern ends with a wildcard.
    private let suffix: [UInt8]
    /// The longest literal run of the pattern, which every matching path contains: a cheap test
    /// that rejects almost every path before the backtracking match (a history sweep tests ~200
    /// globs against each of tens of thousands of paths).
    private let required: [UInt8]

    public init(_ pattern: String) {
        let p = Array(pattern.utf8)
        self.pattern = p
        var runs: [[UInt8]] = [[]]
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == Glob.star || c == Glob.qmark {
                runs.append([])
                // The slash of `**/` belongs to the wildcard: it may match nothing.
                if c == Glob.star, i + 2 < p.count, p[i + 1] == Glob.star, p[i + 2] == Glob.slash { i += 3; continue }
            } else if c == Glob.lbracket, let close = p[(i + 1)...].firstIndex(of: UInt8(ascii: "]")) {
                runs.append([])
                i = close + 1
                continue
            } else {
                runs[runs.count - 1].append(c)
            }
            i += 1
        }
        suffix = runs.last ?? []
        required = runs.max { $0.count < $1.count } ?? []
    }

    public func matches(_ path: [UInt8]) -> Bool {
        if !suffix.isEmpty {
            guard path.count >= suffix.count, path.withUnsafeBytes({ p in
                suffix.withUnsafeBytes { memcmp(p.baseAddress! + (path.count - suffix.count), $0.baseAddress!, suffix.count) == 0 }
            }) else { return false }
        } else if !required.isEmpty {
            guard path.count >= required.count, path.withUnsafeBytes({ p in
                required.withUnsafeBytes { Glob.contains(p, $0) }
            }) else { return false }
        }
        return Glob.match(pattern, 0, path, 0)
    }

    /// Whether `needle` (not empty) occurs in `haystack` (glibc's `memmem` is not visible to Swift).
    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: UnsafeRawBufferPointer) -> Bool {
        let first = Int32(needle[0]), n = needle.count
        var at = haystack.baseAddress!
        let end = haystack.baseAddress! + haystack.count
        while end - at >= n, let hit = memchr(at, first, end - at - n + 1) {
            if memcmp(hit, needle.baseAddress!, n) == 0 { return true }
            at = UnsafeRawPointer(hit) + 1
        }
        return false
    }

    private static let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), qmark = UInt8(ascii: "?"), lbracket = UInt8(ascii: "[")

    private static func match(_ p: [UInt8], _ pi0: Int, _ s: [UInt8], _ si0: Int) -> Bool {
        var pi = pi0, si = si0
        while pi < p.count {
            let c = p[pi]
            if c == star {
                if pi + 1 < p.count && p[pi + 1] == star {
                    // `**/` matches zero or more whole folders; a trailing `**` matches the rest.
                    let rest = pi + 2 < p.count && p[pi + 2] == slash ? pi + 3 : pi + 2
                    if rest >= p.count { return true }
                    var k = si
                    while true {
                        if match(p, rest, s, k) { return true }
                        guard let next = s[k...].firstIndex(of: slash) else { return false }
                        k = next + 1
                    }
                }
                var k = si
                while true {
                    if match(p, pi + 1, s, k) { return true }
                    if k >= s.count || s[k] == slash { return false }
                    k += 1
                }
            }
            guard si < s.count else { return false }
            if c == qmark {
                if s[si] == slash { return false }
            } else if c == lbracket, let close = p[(pi + 1)...].firstIndex(of: UInt8(ascii: "]")) {
                if !classMatches(p[(pi + 1)..<close], s[si]) { return false }
                pi = close + 1
                si += 1
                continue
            } else if c != s[si] {
                return false
            }
            pi += 1
            si += 1
        }
        return si == s.count
    }

    private static func classMatches(_ cls: ArraySlice<UInt8>, _ b: UInt8) -> Bool {
        let items = Array(cls)
        var i = 0
        while i < items.count {
            if i + 2 < items.count && items[i + 1] == UInt8(ascii: "-") {
                if b >= items[i] && b <= items[i + 2] { return true }
                i += 3
            } else {
                if b == items[i] { return true }
                i += 1
            }
        }
        return false
    }
}
