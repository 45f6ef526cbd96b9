/// What a team decided about findings: which are accepted (allowlist, baseline, inline comments,
/// disabled rules) and from which severity a scan fails. Applied once to a finished scan, in
/// every mode, so `scan`, `staged` and `history` agree.
public struct FindingPolicy: Sendable {
    public var allowlist = Allowlist()
    public var baseline: Baseline?
    /// Rule ids (globs: `secret.generic-*`) and category names (`dataset`) whose findings are dropped.
    public var disabled: [String] = []
    /// The lowest severity that fails a scan (exit 1).
    public var failOn: Severity = .block

    public init(allowlist: Allowlist = Allowlist(), baseline: Baseline? = nil, disabled: [String] = [], failOn: Severity = .block) {
        self.allowlist = allowlist
        self.baseline = baseline
        self.disabled = disabled
        self.failOn = failOn
    }

    /// Moves accepted findings from `result.findings` to `result.suppressed`, drops disabled
    /// ones, and, when `reportUnused` (a scan of everything, not a commit's few files), records
    /// the allowlist entries and baseline fingerprints that matched nothing.
    public func apply(to result: inout ScanResult, reportUnused: Bool = true) {
        let disabledRules = disabled.filter { Category(rawValue: $0) == nil }.map(Glob.init)
        let disabledCategories = Set(disabled.compactMap(Category.init(rawValue:)))
        let accepted = baseline?.fingerprints ?? []
        var used = Set<Int>(), usedFingerprints = Set<String>()
        var kept: [Finding] = []
        for var f in result.findings {
            if disabledCategories.contains(f.category) || disabledRules.contains(where: { $0.matches(Array(f.rule.utf8)) }) { continue }
            if f.suppression == nil, let i = allowlist.firstMatch(f) {
                f.suppression = Suppression(source: .allowlist(i), reason: allowlist.entries[i].reason)
            }
            if f.suppression == nil, accepted.contains(f.fingerprint) {
                f.suppression = Suppression(source: .baseline, reason: "")
            }
            if accepted.contains(f.fingerprint) { usedFingerprints.insert(f.fingerprint) }
            if let s = f.suppression {
                if case .allowlist(let i) = s.source { used.insert(i) }
                result.suppressed.append(f)
            } else {
                kept.append(f)
            }
        }
        result.findings = StoragePolicy.droppingCoveredLargeFiles(kept)
        result.failOn = failOn
        guard reportUnused else { return }
        result.unusedAllowEntries = allowlist.entries.indices.filter { !used.contains($0) }.map {
            let e = allowlist.entries[$0]
            return "allow entry \($0 + 1) at \(e.origin) matched nothing" + (e.reason.isEmpty ? "" : " (\(e.reason))")
        }
        if let baseline { result.staleBaselineEntries = baseline.entries.filter { !usedFingerprints.contains($0.fingerprint) }.count }
    }
}
