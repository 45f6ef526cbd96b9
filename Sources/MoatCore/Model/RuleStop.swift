import MoatBytes

/// A secret rule that stopped searching one input before its end: the scan went on, but that
/// rule's matches after `offset` in `path` may be missing.
public struct RuleStop: Sendable, Equatable {
    public var path: PathBytes
    /// The rule's finding id (`secret.<id>`).
    public var rule: String
    /// Why: "work budget" (the rule's deterministic work limit on one input) or "match limit"
    /// (a PCRE2 search hit its backtracking limit, so the rest of its piece was skipped).
    public var reason: String
    /// The first byte not fully searched (in the searched text: the input, or the run of
    /// printable strings of a binary, counted from the input's start).
    public var offset: Int

    public init(path: PathBytes, rule: String, reason: String, offset: Int) {
        self.path = path
        self.rule = rule
        self.reason = reason
        self.offset = offset
    }

    /// One line for the warnings.
    public var warning: String {
        "\(path): secret rule \(rule) stopped at byte \(offset) (\(reason)): its matches after that point may be missing"
    }
}
