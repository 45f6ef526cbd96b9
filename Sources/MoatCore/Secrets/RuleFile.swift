import MoatBytes
import MoatRuleSchema

/// A problem in a user rule file: which file, which line, which rule, and why. The CLI reports it
/// and exits 2. (The same type the build-time generator reports, so both read alike.)
public typealias RuleFileError = RuleSchemaError

/// Rules loaded at run time from a user rule file in the format of `Patterns/` (docs/rules.md):
/// `secret_rules` and `config_rules` (a `path_rules` section is accepted and ignored).
///
/// The file goes through the same parser and lint as the built-in rules (MoatRuleSchema), except
/// that examples are optional. Compiling the patterns is left to the matching engine; `line(of:)`
/// lets the caller name the line of a rule whose pattern does not compile.
public struct RuleFile: Sendable {
    public let path: String
    public let secretRules: [SecretRule]
    public let configRules: [ConfigRule]
    private let lines: [String: Int]

    /// The line of a rule's `id` in the file.
    public func line(of ruleID: String) -> Int? { lines[ruleID] }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> RuleFile {
        let bytes: [UInt8]
        do {
            let file = try FileByteSource(path: PathBytes(path))
            guard file.size <= maxFileSize else { throw RuleFileError(file: path, line: nil, reason: "larger than \(maxFileSize >> 20) MiB") }
            guard let read = file.read(at: 0, count: file.size) else { throw RuleFileError(file: path, line: nil, reason: "cannot read") }
            bytes = read
        } catch let e as FileError {
            throw RuleFileError(file: path, line: nil, reason: "cannot read: \(e.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RuleFileError(file: path, line: nil, reason: "not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// A rule file is text a person writes; anything this big is a mistake.
    static let maxFileSize = 16 << 20

    /// Parses rule-file text; `file` names it in errors and becomes each rule's `source`.
    public static func parse(_ text: String, file: String) throws -> RuleFile {
        let spec: RuleFileSpec
        do {
            spec = try RuleSchema.parse(yaml: text, file: file, minExamples: 0)
        } catch let e as RuleSchemaError {
            throw RuleFileError(file: e.file, line: e.line, ruleID: e.ruleID, reason: e.reason)
        }
        var lines: [String: Int] = [:]
        let secret = spec.secretRules.map { r -> SecretRule in
            lines[r.id] = r.line
            return SecretRule(
                id: r.id, name: r.name, category: Category(rawValue: r.category) ?? .secret, keywords: r.keywords,
                pattern: r.pattern, minEntropy: r.minEntropy, multiline: r.multiline, slow: r.slow, generic: r.generic,
                validate: SecretRule.Validator(rawValue: r.validate) ?? .none, stopwords: r.stopwords,
                examples: SecretRule.Examples(
                    match: r.match.map { SecretRule.Example(text: $0.text, secret: $0.secret) },
                    noMatch: r.noMatch.map { SecretRule.Example(text: $0.text, secret: $0.secret) }),
                source: file)
        }
        let config = spec.configRules.map { r -> ConfigRule in
            lines[r.id] = r.line
            return ConfigRule(
                id: r.id, name: r.name, category: Category(rawValue: r.category) ?? .sensitiveConfig, globs: r.globs,
                excludeGlobs: r.excludeGlobs, content: r.content, minEntropy: r.minEntropy, stopwords: r.stopwords,
                examples: ConfigRule.Examples(
                    match: r.match.map { ConfigRule.Example(path: $0.path ?? "", text: $0.text) },
                    noMatch: r.noMatch.map { ConfigRule.Example(path: $0.path ?? "", text: $0.text) }),
                source: file)
        }
        return RuleFile(path: file, secretRules: secret, configRules: config, lines: lines)
    }

    /// Checks that no rule of `file` reuses the id of a built-in rule (or of an earlier file).
    public static func checkIDs(_ files: [RuleFile], against builtin: [String] = SecretRule.builtin.map(\.id) + ConfigRule.builtin.map(\.id)) throws {
        var seen = Set(builtin)
        for f in files {
            for id in f.secretRules.map(\.id) + f.configRules.map(\.id) where !seen.insert(id).inserted {
                throw RuleFileError(file: f.path, line: f.line(of: id), ruleID: id, reason: "duplicate id (a built-in rule or an earlier rule file uses it)")
            }
        }
    }
}
