/// A rule that finds a secret in text: plain data from `Patterns/secrets-*.yaml` (built in) or from
/// a user rule file (`RuleFile`). The format is described in docs/rules.md.
///
/// The matching engine compiles `pattern` (PCRE2, no UTF mode) with `keywords` as literal anchors;
/// a match is a finding when its `secret` group reaches `minEntropy`, contains none of the
/// `stopwords` (ASCII case-insensitive) and passes the offline `validate` check.
public struct SecretRule: Sendable, Hashable {
    /// An offline check of the captured value that cuts false positives without a network.
    public enum Validator: String, Sendable, Hashable, CaseIterable, Codable {
        /// No check.
        case none
        /// `prefix_` + payload + 6 base62 characters of the payload's CRC32 (GitHub tokens).
        case githubChecksum = "github-checksum"
        /// Three dot-separated base64url parts whose first decodes to a JSON object with "alg".
        case jwt
        /// A BEGIN/END pair with the same label around a base64 body that decodes to the
        /// structure the label promises (DER sequence, openssh-key-v1, PGP packet).
        case pem
        /// 20 characters: a known access-key prefix (AKIA, ASIA, ABIA, ACCA, A3T?) and base32.
        case awsKeyID = "aws-key-id"
        /// A PEM private key wrapped in a container (string concatenation, JSON arrays, log-line
        /// prefixes, doubled escapes): the longest base64 run of each body line, joined, decodes to
        /// a DER SEQUENCE, an openssh-key-v1 blob or a PGP packet (the labels need not agree).
        case pemWrapped = "pem-wrapped"
        /// Base64 of a PEM block: it decodes to text holding `-----BEGIN ... PRIVATE KEY`.
        case pemBase64 = "pem-base64"
        /// A literal password, not a placeholder, template, variable, expression, mask, hash or
        /// encrypted envelope (`SecretChecks.password`).
        case password
        /// A random-looking literal key or token, not an identifier, a member chain, a path, a
        /// UUID, a version or a word (`SecretChecks.genericSecret`).
        case genericSecret = "generic-secret"
    }

    /// One example of a rule: a text, and (optionally) the secret the rule must capture in it.
    public struct Example: Sendable, Hashable {
        public let text: String
        public let secret: String?
        public init(text: String, secret: String? = nil) {
            self.text = text
            self.secret = secret
        }
    }

    public typealias Examples = RuleExampleSet<Example>

    /// Stable id; a finding's rule id is `secret.<id>`.
    public let id: String
    /// Shown to people.
    public let name: String
    /// `.secret` or `.sensitiveConfig`.
    public let category: Category
    /// Literal anchors, lower-cased; matched ASCII-case-insensitively. At least one occurs in
    /// every match. Each is at least 3 bytes unless `slow`.
    public let keywords: [String]
    /// PCRE2 pattern with a named group `secret`.
    public let pattern: String
    /// Minimum Shannon entropy (bits per byte) of the secret; nil for none.
    public let minEntropy: Double?
    /// A match can span lines (PEM blocks).
    public let multiline: Bool
    /// The rule has no literal of 3+ bytes and runs apart from the keyword database.
    public let slow: Bool
    /// A shape rule rather than a provider's format: it yields to a provider rule on the same value.
    public let generic: Bool
    public let validate: Validator
    /// A secret containing one of these (ASCII case-insensitive) is dropped.
    public let stopwords: [String]
    public let examples: Examples
    /// The file the rule came from (`secrets-cloud.yaml`, or a user rule file's path).
    public let source: String

    public init(id: String, name: String, category: Category = .secret, keywords: [String], pattern: String,
                minEntropy: Double? = nil, multiline: Bool = false, slow: Bool = false, generic: Bool = false, validate: Validator = .none,
                stopwords: [String] = [], examples: Examples = Examples(match: [], noMatch: []), source: String = "") {
        self.id = id
        self.name = name
        self.category = category
        self.keywords = keywords
        self.pattern = pattern
        self.minEntropy = minEntropy
        self.multiline = multiline
        self.slow = slow
        self.generic = generic
        self.validate = validate
        self.stopwords = stopwords
        self.examples = examples
        self.source = source
    }

    /// The id findings carry.
    public var findingRuleID: String { "secret." + id }

    /// The rules built into the binary (generated from `Patterns/secrets-*.yaml` at build time).
    public static let builtin: [SecretRule] = builtinSecretRules

    /// Whether a captured value survives this rule's entropy, stopword and validation checks.
    public func accepts<C: Collection>(secret: C) -> Bool where C.Element == UInt8 {
        let bytes = Array(secret)
        if let min = minEntropy, SecretChecks.entropy(bytes) < min { return false }
        if SecretChecks.containsStopword(bytes, stopwords) { return false }
        if SecretChecks.isKnownPublic(bytes) { return false }
        return SecretChecks.validate(bytes, validate)
    }
}

/// What a rule must report (`match`) and must not report (`noMatch`): texts for a secret rule,
/// paths with texts for a config rule.
public struct RuleExampleSet<Example: Sendable & Hashable>: Sendable, Hashable {
    public let match: [Example]
    public let noMatch: [Example]
    public init(match: [Example], noMatch: [Example]) {
        self.match = match
        self.noMatch = noMatch
    }
}
