/// A sensitive configuration file, recognized by its path and optionally by its content: plain
/// data from `Patterns/sensitive-configs.yaml` (built in) or from a user rule file.
///
/// A file is reported when its lower-cased path matches one of `globs` and none of
/// `excludeGlobs`, and, when `content` is given, some match of that PCRE2 pattern has a `secret`
/// group that reaches `minEntropy` and contains none of the `stopwords`.
public struct ConfigRule: Sendable {
    /// One example: a path and the file's text.
    public struct Example: Sendable, Hashable {
        public let path: String
        public let text: String
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    public typealias Examples = RuleExampleSet<Example>

    /// Stable id; a finding's rule id is `config.<id>`.
    public let id: String
    public let name: String
    /// Normally `.sensitiveConfig`.
    public let category: Category
    /// Glob texts (lower-case), as written in the rule file.
    public let globPatterns: [String]
    public let excludeGlobPatterns: [String]
    /// PCRE2 pattern with a `secret` group run over the whole file; nil when the name suffices.
    public let content: String?
    public let minEntropy: Double?
    public let stopwords: [String]
    public let examples: Examples
    public let source: String

    public let globs: [Glob]
    public let excludeGlobs: [Glob]

    public init(id: String, name: String, category: Category = .sensitiveConfig, globs: [String], excludeGlobs: [String] = [],
                content: String? = nil, minEntropy: Double? = nil, stopwords: [String] = [],
                examples: Examples = Examples(match: [], noMatch: []), source: String = "") {
        self.id = id
        self.name = name
        self.category = category
        self.globPatterns = globs
        self.excludeGlobPatterns = excludeGlobs
        self.content = content
        self.minEntropy = minEntropy
        self.stopwords = stopwords
        self.examples = examples
        self.source = source
        self.globs = globs.map(Glob.init)
        self.excludeGlobs = excludeGlobs.map(Glob.init)
    }

    /// The id findings carry.
    public var findingRuleID: String { "config." + id }

    /// The rules built into the binary (generated from `Patterns/sensitive-*.yaml` at build time).
    public static let builtin: [ConfigRule] = builtinConfigRules

    /// Whether the lower-cased path is one this rule looks at.
    public func matches(lowercasedPath: [UInt8]) -> Bool {
        globs.contains { $0.matches(lowercasedPath) } && !excludeGlobs.contains { $0.matches(lowercasedPath) }
    }

    /// Whether a captured value survives this rule's entropy and stopword checks.
    public func accepts<C: Collection>(secret: C) -> Bool where C.Element == UInt8 {
        let bytes = Array(secret)
        if let min = minEntropy, SecretChecks.entropy(bytes) < min { return false }
        return !SecretChecks.containsStopword(bytes, stopwords)
    }
}
