/// Why a finding does not count: the user accepted it, and said where.
public struct Suppression: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// An entry of `allow:` in the config, by its index there.
        case allowlist(Int)
        /// A `moat:allow` comment on the finding's line or the line above.
        case inline
        /// The finding's fingerprint is in the baseline file.
        case baseline
    }

    public var source: Source
    /// The reason the user gave (may be empty).
    public var reason: String

    public init(source: Source, reason: String) {
        self.source = source
        self.reason = reason
    }

    /// "allowlist entry 2 (test data)", "inline moat:allow", "baseline".
    public var description: String {
        let what: String
        switch source {
        case .allowlist(let i): what = "allowlist entry \(i + 1)"
        case .inline: what = "inline moat:allow"
        case .baseline: what = "baseline"
        }
        return reason.isEmpty ? what : "\(what) (\(reason))"
    }
}
