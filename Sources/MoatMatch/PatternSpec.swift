/// The engine's view of one secret rule: what to look for, nothing about how it is reported.
///
/// The rule files (`Patterns/*.yaml`, user `--rules` files) are parsed elsewhere; this is the part of
/// a rule the matcher needs. See docs/rules.md for the meaning of each field.
public struct PatternSpec: Sendable, Hashable {
    /// The rule's stable id (for messages; the matcher reports rules by index).
    public var id: String
    /// The PCRE2 pattern (no UTF mode), with a named group `secret` around the value.
    public var pattern: String
    /// Literal anchors, at least one of which occurs (in any ASCII case) in or right before every
    /// match. Only rules marked `slow` may have none.
    public var keywords: [String]
    /// Whether a match can span lines (PEM blocks): such rules get a longer window.
    public var multiline: Bool
    /// A rule with no literal of 3+ bytes: run apart over the whole input, never in the database.
    public var slow: Bool

    public init(id: String, pattern: String, keywords: [String], multiline: Bool = false, slow: Bool = false) {
        self.id = id
        self.pattern = pattern
        self.keywords = keywords
        self.multiline = multiline
        self.slow = slow
    }

    /// Whether the engine treats the rule as slow: marked so, or without a usable keyword.
    var runsApart: Bool { slow || keywords.allSatisfy { $0.utf8.isEmpty } }

    /// Compiles the pattern and checks what the engine relies on: a `secret` group, and keywords of
    /// at least 3 bytes unless the rule is slow. For rule loaders ("file, line, reason").
    public func validate() throws(PatternSpecError) {
        let compiled: PCRE2Pattern
        do { compiled = try PCRE2Pattern(pattern, jit: false) } catch {
            throw .compile(rule: id, error)
        }
        if compiled.secretGroup == nil { throw .missingSecretGroup(rule: id) }
        if !slow {
            if keywords.isEmpty { throw .noKeywords(rule: id) }
            if let short = keywords.first(where: { $0.utf8.count < 3 }) { throw .shortKeyword(rule: id, keyword: short) }
        }
    }
}

/// Why a `PatternSpec` cannot be used.
public enum PatternSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    case compile(rule: String, PatternCompileError)
    case missingSecretGroup(rule: String)
    case noKeywords(rule: String)
    case shortKeyword(rule: String, keyword: String)

    public var description: String {
        switch self {
        case .compile(let rule, let error): return "rule \(rule): pattern does not compile: \(error)"
        case .missingSecretGroup(let rule): return "rule \(rule): pattern has no named group `secret`"
        case .noKeywords(let rule): return "rule \(rule): no keywords (mark the rule `slow: true` if it has no literal)"
        case .shortKeyword(let rule, let keyword): return "rule \(rule): keyword \"\(keyword)\" is shorter than 3 bytes (mark the rule `slow: true`)"
        }
    }
}
