// The rule-file format of docs/rules.md: parsing and lint, shared by the build-time generator
// (moat-patterns-gen, which embeds Patterns/*.yaml) and the run-time loader of user rule files
// (MoatCore's RuleFile), so both accept and reject exactly the same files.
//
// It walks Yams' node tree rather than decoding, so every error names its line. It cannot compile
// PCRE2 patterns; the matching engine does that.
import MoatBytes
import Yams

/// A problem in a rule file: the file, the line (when known), the rule id (when known), and why.
public struct RuleSchemaError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let line: Int?
    public let ruleID: String?
    public let reason: String

    public init(file: String, line: Int?, ruleID: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.ruleID = ruleID
        self.reason = reason
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let ruleID { s += "rule \(TerminalText.excerpt(ruleID, limit: 80)): " }
        return s + reason
    }
}

/// An example of a rule: `text` (and for config rules `path`), with the secret a match must
/// capture when given.
public struct ExampleSpec: Equatable, Sendable {
    public var text: String
    public var secret: String?
    public var path: String?
}

public struct SecretRuleSpec: Equatable, Sendable {
    public var id: String
    public var name: String
    public var category: String
    public var keywords: [String]
    public var pattern: String
    public var minEntropy: Double?
    public var multiline: Bool
    public var slow: Bool
    /// Matches a shape ("a credential-looking name = a random value"), not one provider's format:
    /// where a provider rule matches the same value, the provider rule's finding is kept.
    public var generic: Bool
    public var validate: String
    public var stopwords: [String]
    public var match: [ExampleSpec]
    public var noMatch: [ExampleSpec]
    /// Line of the rule's `id` in its file.
    public var line: Int
}

public struct ConfigRuleSpec: Equatable, Sendable {
    public var id: String
    public var name: String
    public var category: String
    public var globs: [String]
    public var excludeGlobs: [String]
    public var content: String?
    public var minEntropy: Double?
    public var stopwords: [String]
    public var match: [ExampleSpec]
    public var noMatch: [ExampleSpec]
    public var line: Int
}

public struct PathRuleSpec: Equatable, Sendable {
    public var id: String
    public var description: String
    public var globs: [String]
    public var suggests: String?
    public var line: Int
}

/// Everything one rule file holds.
public struct RuleFileSpec: Equatable, Sendable {
    public var file: String
    public var secretRules: [SecretRuleSpec] = []
    public var configRules: [ConfigRuleSpec] = []
    public var pathRules: [PathRuleSpec] = []
}

public enum RuleSchema {
    /// Offline validators a secret rule may name.
    public static let validators: Set<String> = ["none", "github-checksum", "jwt", "pem", "pem-wrapped", "pem-base64", "aws-key-id", "password", "generic-secret"]
    /// Categories a secret or config rule may have.
    public static let ruleCategories: Set<String> = ["secret", "sensitive-config"]
    /// Categories a path rule may suggest.
    public static let pathCategories: Set<String> = [
        "model-weights", "training-checkpoint", "optimizer-state", "gradients", "tensor-dump",
        "dataset", "model-asset", "secret", "sensitive-config",
    ]

    static let secretFields: Set<String> = ["id", "name", "category", "keywords", "pattern", "min_entropy", "multiline",
                                            "slow", "generic", "validate", "stopwords", "examples"]
    static let configFields: Set<String> = ["id", "name", "category", "globs", "exclude_globs", "content", "min_entropy",
                                            "stopwords", "examples"]
    static let pathFields: Set<String> = ["id", "description", "globs", "suggests"]

    /// Parses and lints one rule file.
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the name errors use.
    ///   - minExamples: how many `match` and how many `no_match` examples each secret and config
    ///     rule must have (the built-in rules need 2; user files may have none).
    /// - Throws: `RuleSchemaError` naming the file, line, rule and reason of the first problem.
    public static func parse(yaml: String, file: String, minExamples: Int = 0) throws -> RuleFileSpec {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw RuleSchemaError(file: file, line: yamlErrorLine(error), ruleID: nil, reason: "not valid YAML: \(yamlErrorProblem(error))")
        } catch {
            throw RuleSchemaError(file: file, line: nil, ruleID: nil, reason: "not valid YAML: \(error)")
        }
        var spec = RuleFileSpec(file: file)
        guard let root else { return spec }   // an empty file holds no rules
        guard let top = root.mapping else {
            throw RuleSchemaError(file: file, line: root.mark?.line, ruleID: nil,
                                  reason: "the top level must be a mapping with secret_rules, config_rules or path_rules")
        }
        var seen: [String: Int] = [:]
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            let ctx = Context(file: file, ruleID: nil)
            switch key {
            case "secret_rules":
                for node in try ctx.sequence(value, "secret_rules") {
                    spec.secretRules.append(try secretRule(node, file: file, minExamples: minExamples, seen: &seen))
                }
            case "config_rules":
                for node in try ctx.sequence(value, "config_rules") {
                    spec.configRules.append(try configRule(node, file: file, minExamples: minExamples, seen: &seen))
                }
            case "path_rules":
                for node in try ctx.sequence(value, "path_rules") {
                    spec.pathRules.append(try pathRule(node, file: file, seen: &seen))
                }
            default:
                throw ctx.error(keyNode, "unknown top-level key \(quoted(key)) (expected secret_rules, config_rules or path_rules)")
            }
        }
        return spec
    }

    /// Checks that rule ids are unique across several parsed files.
    public static func checkUniqueIDs(_ files: [RuleFileSpec]) throws {
        var seen: [String: String] = [:]
        for f in files {
            let all = f.secretRules.map { ($0.id, $0.line) } + f.configRules.map { ($0.id, $0.line) } + f.pathRules.map { ($0.id, $0.line) }
            for (id, line) in all {
                if let other = seen[id] {
                    throw RuleSchemaError(file: f.file, line: line, ruleID: id, reason: "duplicate id (also in \(other))")
                }
                seen[id] = f.file
            }
        }
    }

    // MARK: rules

    /// What every rule starts with: a mapping with a unique id and only the fields it may have.
    /// Returns the context that names the rule in later errors, the mapping, the id and its line.
    static func start(_ node: Node, _ what: String, fields: Set<String>, file: String,
                      seen: inout [String: Int]) throws -> (Context, Node.Mapping, String, Int) {
        var ctx = Context(file: file, ruleID: nil, ruleLine: node.mark?.line)
        let m = try ctx.mapping(node, what)
        let (id, line) = try ctx.id(m, node, seen: &seen)
        ctx.ruleID = id
        try ctx.onlyFields(m, fields)
        return (ctx, m, id, line)
    }

    static func secretRule(_ node: Node, file: String, minExamples: Int, seen: inout [String: Int]) throws -> SecretRuleSpec {
        let (ctx, m, id, line) = try start(node, "a secret rule", fields: secretFields, file: file, seen: &seen)
        let slow = try ctx.bool(m, "slow") ?? false
        let keywordNodes = try ctx.stringList(m, "keywords", required: true)
        var keywords: [String] = []
        for (k, kNode) in keywordNodes {
            if k.isEmpty { throw ctx.error(kNode, "empty keyword") }
            if k.utf8.count < 3 && !slow {
                throw ctx.error(kNode, "keyword \(quoted(k)) is shorter than 3 bytes (mark the rule `slow: true` if it has no longer literal)")
            }
            keywords.append(asciiLowercased(k))
        }
        if keywords.isEmpty && !slow { throw ctx.error(node, "no keywords (a rule without one must be `slow: true`)") }
        let (pattern, patternNode) = try ctx.requiredString(m, "pattern", in: node)
        try ctx.checkSecretGroup(pattern, patternNode, field: "pattern")
        let category = try ctx.string(m, "category") ?? "secret"
        if !ruleCategories.contains(category) { throw ctx.error(m["category"] ?? node, "unknown category \(quoted(category)) (secret or sensitive-config)") }
        let validate = try ctx.string(m, "validate") ?? "none"
        if !validators.contains(validate) {
            throw ctx.error(m["validate"] ?? node, "unknown validate \(quoted(validate)) (one of \(validators.sorted().joined(separator: ", ")))")
        }
        let (match, noMatch) = try ctx.examples(m, node, config: false, minExamples: minExamples)
        return SecretRuleSpec(
            id: id, name: try ctx.requiredString(m, "name", in: node).0, category: category, keywords: keywords,
            pattern: pattern, minEntropy: try ctx.entropy(m), multiline: try ctx.bool(m, "multiline") ?? false, slow: slow,
            generic: try ctx.bool(m, "generic") ?? false,
            validate: validate, stopwords: try ctx.stringList(m, "stopwords", required: false).map(\.0),
            match: match, noMatch: noMatch, line: line)
    }

    static func configRule(_ node: Node, file: String, minExamples: Int, seen: inout [String: Int]) throws -> ConfigRuleSpec {
        let (ctx, m, id, line) = try start(node, "a config rule", fields: configFields, file: file, seen: &seen)
        let globs = try ctx.stringList(m, "globs", required: true)
        if globs.isEmpty { throw ctx.error(m["globs"] ?? node, "no globs") }
        let excludes = try ctx.stringList(m, "exclude_globs", required: false)
        for (g, gNode) in globs + excludes where g != asciiLowercased(g) {
            throw ctx.error(gNode, "glob \(quoted(g)) is not lower-case (paths are lower-cased before matching)")
        }
        var content: String?
        if let c = m["content"] {
            guard let s = c.scalar?.string, !s.isEmpty else { throw ctx.error(c, "content must be a non-empty string") }
            try ctx.checkSecretGroup(s, c, field: "content")
            content = s
        }
        let category = try ctx.string(m, "category") ?? "sensitive-config"
        if !ruleCategories.contains(category) { throw ctx.error(m["category"] ?? node, "unknown category \(quoted(category)) (secret or sensitive-config)") }
        let (match, noMatch) = try ctx.examples(m, node, config: true, minExamples: minExamples)
        return ConfigRuleSpec(
            id: id, name: try ctx.requiredString(m, "name", in: node).0, category: category, globs: globs.map(\.0),
            excludeGlobs: excludes.map(\.0), content: content, minEntropy: try ctx.entropy(m),
            stopwords: try ctx.stringList(m, "stopwords", required: false).map(\.0), match: match, noMatch: noMatch, line: line)
    }

    static func pathRule(_ node: Node, file: String, seen: inout [String: Int]) throws -> PathRuleSpec {
        let (ctx, m, id, line) = try start(node, "a path rule", fields: pathFields, file: file, seen: &seen)
        let globs = try ctx.stringList(m, "globs", required: true)
        if globs.isEmpty { throw ctx.error(m["globs"] ?? node, "no globs") }
        let suggests = try ctx.string(m, "suggests")
        if let s = suggests, !pathCategories.contains(s) { throw ctx.error(m["suggests"] ?? node, "unknown category \(quoted(s))") }
        return PathRuleSpec(id: id, description: try ctx.requiredString(m, "description", in: node).0,
                            globs: globs.map(\.0), suggests: suggests, line: line)
    }

    // MARK: helpers

    /// Content quoted in an error: escaped and cut short (`TerminalText.excerpt`), between quotes.
    /// A key, category or glob of a crafted file may hold a line break, an escape sequence or a
    /// megabyte of text.
    public static func quoted(_ s: String) -> String { "'" + TerminalText.excerpt(s, limit: 60) + "'" }

    /// Names of capturing groups written `(?<name>`, `(?P<name>` or `(?'name'`; lookbehinds are skipped.
    public static func namedGroups(_ pattern: String) -> [String] {
        let b = Array(pattern.utf8)
        var names: [String] = []
        var i = 0
        var inClass = false
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\") { i += 2; continue }
            if inClass {
                if c == UInt8(ascii: "]") { inClass = false }
                i += 1
                continue
            }
            if c == UInt8(ascii: "[") { inClass = true; i += 1; continue }
            if c == UInt8(ascii: "("), i + 2 < b.count, b[i + 1] == UInt8(ascii: "?") {
                var j = i + 2
                if b[j] == UInt8(ascii: "P"), j + 1 < b.count, b[j + 1] == UInt8(ascii: "<") { j += 1 }
                if b[j] == UInt8(ascii: "<") || b[j] == UInt8(ascii: "'") {
                    let close = b[j] == UInt8(ascii: "<") ? UInt8(ascii: ">") : UInt8(ascii: "'")
                    let start = j + 1
                    if start < b.count, b[start] != UInt8(ascii: "="), b[start] != UInt8(ascii: "!") {
                        var k = start
                        while k < b.count, b[k] != close { k += 1 }
                        names.append(String(decoding: b[start..<min(k, b.count)], as: UTF8.self))
                        i = k
                        continue
                    }
                }
            }
            i += 1
        }
        return names
    }

    public static func asciiLowercased(_ s: String) -> String {
        String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The line a YAML error points at, when it says.
    public static func yamlErrorLine(_ e: YamlError) -> Int? {
        switch e {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        case let .duplicatedKeysInMapping(_, context): return context.mark.line
        case let .reader(_, offset, _, yaml):
            guard let offset else { return nil }
            return yaml.prefix(offset).filter { $0 == "\n" }.count + 1
        default: return nil
        }
    }

    /// What is wrong, in one line without the offending source text.
    public static func yamlErrorProblem(_ e: YamlError) -> String {
        switch e {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _), let .composer(context, problem, _, _):
            if let context { return "\(context.text): \(problem)" }
            return problem
        case let .duplicatedKeysInMapping(duplicates, _): return "duplicate keys \(duplicates.sorted().joined(separator: ", "))"
        case let .reader(problem, _, _, _): return problem
        default: return "\(e)"
        }
    }

    /// Error construction and typed field access for one rule.
    struct Context {
        let file: String
        var ruleID: String?
        /// The line of the rule being read: where an error points when the field at fault is missing.
        var ruleLine: Int?

        func error(_ node: Node?, _ reason: String) -> RuleSchemaError {
            RuleSchemaError(file: file, line: node?.mark?.line ?? ruleLine, ruleID: ruleID, reason: reason)
        }

        func mapping(_ node: Node, _ what: String) throws -> Node.Mapping {
            guard let m = node.mapping else { throw error(node, "\(what) must be a mapping") }
            return m
        }

        func sequence(_ node: Node, _ what: String) throws -> [Node] {
            if let s = node.scalar?.string, ["", "~", "null", "Null", "NULL"].contains(s) { return [] }
            guard let s = node.sequence else { throw error(node, "\(what) must be a list") }
            return Array(s)
        }

        func onlyFields(_ m: Node.Mapping, _ allowed: Set<String>) throws {
            for (k, _) in m {
                let name = k.string ?? ""
                if !allowed.contains(name) {
                    throw error(k, "unknown field \(RuleSchema.quoted(name)) (allowed: \(allowed.sorted().joined(separator: ", ")))")
                }
            }
        }

        func id(_ m: Node.Mapping, _ node: Node, seen: inout [String: Int]) throws -> (String, Int) {
            guard let idNode = m["id"] else { throw error(node, "missing 'id'") }
            guard let id = idNode.scalar?.string, !id.isEmpty else { throw error(idNode, "'id' must be a non-empty string") }
            let ok = id.utf8.enumerated().allSatisfy { i, c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || (i > 0 && (c == UInt8(ascii: "-") || c == UInt8(ascii: ".")))
            }
            let line = idNode.mark?.line ?? node.mark?.line ?? 0
            if !ok {
                throw RuleSchemaError(file: file, line: line, ruleID: id, reason: "id must be lower-case letters, digits, '-' and '.'")
            }
            if let other = seen[id] {
                throw RuleSchemaError(file: file, line: line, ruleID: id, reason: "duplicate id (first defined on line \(other))")
            }
            seen[id] = line
            return (id, line)
        }

        func string(_ m: Node.Mapping, _ key: String) throws -> String? {
            guard let n = m[key] else { return nil }
            guard let s = n.scalar?.string else { throw error(n, "'\(key)' must be a string") }
            return s
        }

        func requiredString(_ m: Node.Mapping, _ key: String, in node: Node) throws -> (String, Node) {
            guard let n = m[key] else { throw error(node, "missing '\(key)'") }
            guard let s = n.scalar?.string, !s.isEmpty else { throw error(n, "'\(key)' must be a non-empty string") }
            return (s, n)
        }

        func bool(_ m: Node.Mapping, _ key: String) throws -> Bool? {
            guard let n = m[key] else { return nil }
            switch n.scalar?.string {
            case "true", "True", "TRUE", "yes": return true
            case "false", "False", "FALSE", "no": return false
            default: throw error(n, "'\(key)' must be true or false")
            }
        }

        func entropy(_ m: Node.Mapping) throws -> Double? {
            guard let n = m["min_entropy"] else { return nil }
            guard let s = n.scalar?.string, let v = Double(s), v >= 0, v <= 8 else {
                throw error(n, "'min_entropy' must be a number of bits per byte between 0 and 8")
            }
            return v
        }

        func stringList(_ m: Node.Mapping, _ key: String, required: Bool) throws -> [(String, Node)] {
            guard let n = m[key] else {
                if required { throw error(nil, "missing '\(key)'") }
                return []
            }
            guard let seq = n.sequence else { throw error(n, "'\(key)' must be a list of strings") }
            return try seq.map { item in
                guard let s = item.scalar?.string else {
                    throw error(item, "every entry of '\(key)' must be a string (quote entries that contain ': ')")
                }
                return (s, item)
            }
        }

        func checkSecretGroup(_ pattern: String, _ node: Node, field: String) throws {
            let names = RuleSchema.namedGroups(pattern)
            if !names.contains("secret") { throw error(node, "\(field) has no named group `secret` ((?<secret>...))") }
            if let other = names.first(where: { $0 != "secret" }) {
                throw error(node, "\(field) names a group \(RuleSchema.quoted(other)): only `secret` may be named")
            }
            if names.filter({ $0 == "secret" }).count > 1 { throw error(node, "\(field) names `secret` more than once") }
        }

        func examples(_ m: Node.Mapping, _ node: Node, config: Bool, minExamples: Int) throws -> ([ExampleSpec], [ExampleSpec]) {
            guard let n = m["examples"] else {
                if minExamples > 0 { throw error(node, "missing 'examples' (at least \(minExamples) match and \(minExamples) no_match)") }
                return ([], [])
            }
            guard let em = n.mapping else { throw error(n, "'examples' must be a mapping with match and no_match") }
            for (k, _) in em where !["match", "no_match"].contains(k.string ?? "") {
                throw error(k, "unknown field \(RuleSchema.quoted(k.string ?? "")) in examples (match, no_match)")
            }
            func list(_ key: String) throws -> [ExampleSpec] {
                guard let l = em[key] else { return [] }
                guard let seq = l.sequence else { throw error(l, "examples.\(key) must be a list") }
                return try seq.map { try example($0, config: config) }
            }
            let match = try list("match"), noMatch = try list("no_match")
            if match.count < minExamples || noMatch.count < minExamples {
                throw error(n, "needs at least \(minExamples) match and \(minExamples) no_match examples (has \(match.count) and \(noMatch.count))")
            }
            return (match, noMatch)
        }

        func example(_ node: Node, config: Bool) throws -> ExampleSpec {
            if let s = node.scalar?.string {
                if config { throw error(node, "a config rule's example needs a path: { path: ..., text: ... }") }
                return ExampleSpec(text: s, secret: nil, path: nil)
            }
            guard let m = node.mapping else { throw error(node, "an example must be a string or a mapping") }
            let allowed: Set<String> = config ? ["path", "text"] : ["text", "secret"]
            try onlyFields(m, allowed)
            let text = try string(m, "text") ?? ""
            if config {
                guard let path = try string(m, "path"), !path.isEmpty else { throw error(node, "a config rule's example needs a path") }
                return ExampleSpec(text: text, secret: nil, path: path)
            }
            guard m["text"] != nil else { throw error(node, "an example needs 'text'") }
            return ExampleSpec(text: text, secret: try string(m, "secret"), path: nil)
        }
    }
}
