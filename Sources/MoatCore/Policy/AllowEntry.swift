import MoatBytes
import MoatMatch

/// One entry of the config's `allow:` list: findings it matches are accepted. Every condition
/// given must hold: `path` (a glob on the path relative to the root), `rule` (a glob on the rule
/// id, `secret.*`), `value` (the secret's exact value) or `valueRegex` (PCRE2 over the value).
public struct AllowEntry: Sendable {
    public let path: Glob?
    public let rule: Glob?
    public let value: [UInt8]?
    public let valueRegex: PCRE2Pattern?
    public let reason: String
    /// Where the entry is written, for "matched nothing" reports ("`.moat.yaml`:12").
    public let origin: String

    public init(path: String?, rule: String?, value: String?, valueRegex: PCRE2Pattern?, reason: String, origin: String) {
        self.path = path.map(Glob.init)
        self.rule = rule.map(Glob.init)
        self.value = value.map { Array($0.utf8) }
        self.valueRegex = valueRegex
        self.reason = reason
        self.origin = origin
    }

    /// Whether the entry needs the secret's value: such entries are checked by the secret
    /// detector, the only place that holds values (findings keep a redacted preview).
    public var needsValue: Bool { value != nil || valueRegex != nil }

    /// The conditions on where and which rule.
    public func matches(path p: PathBytes, rule r: String) -> Bool {
        if let path, !path.matches(p.bytes) { return false }
        if let rule, !rule.matches(Array(r.utf8)) { return false }
        return true
    }

    /// The condition on the value (true when there is none).
    public func matches(value v: [UInt8]) -> Bool {
        if let value, value != v { return false }
        if let valueRegex {
            let found = v.withUnsafeBytes { (try? valueRegex.firstMatch(in: $0, from: 0)) ?? nil }
            if found == nil { return false }
        }
        return true
    }
}

/// The config's `allow:` entries, in order; the first that matches a finding suppresses it.
public struct Allowlist: Sendable {
    public let entries: [AllowEntry]

    public init(_ entries: [AllowEntry] = []) { self.entries = entries }

    /// The first entry without a value condition that matches `finding` (used after detection).
    public func firstMatch(_ finding: Finding) -> Int? {
        entries.indices.first { !entries[$0].needsValue && entries[$0].matches(path: finding.path, rule: finding.rule) }
    }

    /// The first entry with a value condition that matches a secret (used during detection).
    public func firstMatch(path: PathBytes, rule: String, value: [UInt8]) -> Int? {
        entries.indices.first { entries[$0].needsValue && entries[$0].matches(path: path, rule: rule) && entries[$0].matches(value: value) }
    }
}
