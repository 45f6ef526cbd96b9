/// Where one pattern matched: the whole match and its `secret` group, as byte offsets into the input.
public struct MatchRange: Sendable, Hashable {
    /// The whole match (group 0).
    public var whole: Range<Int>
    /// The `secret` group, or the whole match when the pattern has no such group or it did not take part.
    public var secret: Range<Int>

    public init(whole: Range<Int>, secret: Range<Int>) {
        self.whole = whole
        self.secret = secret
    }
}

/// One match of one rule, as the engine reports it to the detector.
public struct RawMatch: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Index of the rule in the `[PatternSpec]` the matcher was built from.
    public var rule: Int
    /// The whole match.
    public var whole: Range<Int>
    /// The `secret` group (the whole match when the rule has none).
    public var secret: Range<Int>

    public init(rule: Int, whole: Range<Int>, secret: Range<Int>) {
        self.rule = rule
        self.whole = whole
        self.secret = secret
    }

    /// Input order: by start, then rule, then end.
    public static func < (a: RawMatch, b: RawMatch) -> Bool {
        if a.whole.lowerBound != b.whole.lowerBound { return a.whole.lowerBound < b.whole.lowerBound }
        if a.rule != b.rule { return a.rule < b.rule }
        return a.whole.upperBound < b.whole.upperBound
    }

    public var description: String { "rule \(rule) \(whole.lowerBound)..<\(whole.upperBound) secret \(secret.lowerBound)..<\(secret.upperBound)" }
}
