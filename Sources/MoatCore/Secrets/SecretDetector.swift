import Crypto
import Synchronization
import MoatBytes
import MoatMatch

/// Finds secrets and sensitive configuration files in one input: text is scanned whole (up to
/// `textLimit`), model containers and unknown binaries through their printable strings (the
/// safetensors header, GGUF metadata, a checkpoint's pickle strings), by the rules of `Patterns/`
/// plus the user's rule files. The matching itself is `MoatMatch.SecretMatcher`'s job.
public final class SecretDetector: @unchecked Sendable {
    public let rules: [SecretRule]
    public let configRules: [ConfigRule]
    public let matcher: SecretMatcher
    /// Keep full values in findings (`--show-secrets`); otherwise only a redacted preview.
    public let showSecrets: Bool
    /// Entries of the config's `allow:` list; those with a value condition are applied here,
    /// where the value is still known.
    public let allowlist: Allowlist
    /// The most text read from one input.
    public static let textLimit = 16 << 20
    /// How much of a binary is searched for printable strings (headers live at the start).
    public static let binaryLimit = 1 << 20

    /// Per config rule with a content pattern: its compiled pattern, compiled (and JIT-compiled)
    /// the first time a path matches the rule, so a run that meets no such file compiles none
    /// (21 built-in patterns: ~4 M instructions and a JIT mapping each at start otherwise).
    private let configPatterns: Mutex<[ConfigPattern]>
    private enum ConfigPattern { case pending, ready(PCRE2Pattern), failed }
    private let genericRules: Set<Int>

    /// Compile errors of user rules are reported by `RuleFile`; a built-in rule that fails to compile
    /// is skipped by the engine and listed by `moat rules --test`.
    public init(rules: [SecretRule] = SecretRule.builtin, configRules: [ConfigRule] = ConfigRule.builtin,
                database: SecretMatcher.DatabasePolicy = .none, showSecrets: Bool = false, allowlist: Allowlist = Allowlist()) {
        self.allowlist = allowlist
        self.rules = rules
        self.configRules = configRules
        self.showSecrets = showSecrets
        let specs = rules.map { PatternSpec(id: $0.id, pattern: $0.pattern, keywords: $0.keywords, multiline: $0.multiline, slow: $0.slow) }
        matcher = SecretMatcher(specs, options: SecretMatcher.Options(database: database))
        configPatterns = Mutex([ConfigPattern](repeating: .pending, count: configRules.count))
        genericRules = Set(rules.indices.filter { rules[$0].generic })
    }

    /// What the artifact sniffers said the content is, which decides how it is searched.
    public enum ContentKind: Sendable {
        case text
        /// A recognised container (its format id) or an unidentified binary (nil).
        case binary(format: String?)
        /// Nothing to search (an LFS pointer, an image, an executable).
        case skip
    }

    /// Secrets and sensitive-config findings in `input`.
    /// `deduplicate` (on by default) keeps one finding where several rules matched the same value;
    /// rule tests turn it off to see every rule fire.
    public func findings(in input: SniffInput, kind: ContentKind,
                         deduplicate: Bool = true) -> [Finding] {
        examine(input, kind: kind, deduplicate: deduplicate).findings
    }

    /// The findings in `input` and the rules that could not search all of it.
    public func examine(_ input: SniffInput, kind: ContentKind,
                        deduplicate: Bool = true) -> (findings: [Finding], stops: [RuleStop]) {
        let (findings, stops, _) = examineWithValues(input, kind: kind, deduplicate: deduplicate)
        return (findings, stops)
    }

    /// `examine`, plus the raw values of the secrets found, so the caller can redact them from
    /// whatever else it prints about the same content (an artifact's metadata).
    func examineWithValues(_ input: SniffInput, kind: ContentKind,
                           deduplicate: Bool = true) -> (findings: [Finding], stops: [RuleStop], values: [[UInt8]]) {
        var stops: [RuleStop] = []
        var values: [[UInt8]] = []
        func note(_ incomplete: [SecretMatcher.Incomplete], base: Int) {
            for i in incomplete where !stops.contains(where: { $0.rule == rules[i.rule].findingRuleID }) {
                stops.append(RuleStop(path: input.path, rule: rules[i.rule].findingRuleID, reason: i.reason.rawValue, offset: base + i.offset))
            }
        }
        // Values a rule rejects (entropy, stopwords, validator) are dropped before de-duplication,
        // so a rule whose validator fails does not hide another rule's match of the same bytes.
        let pick: ([RawMatch], UnsafeRawBufferPointer) -> [RawMatch] = { matches, buf in
            let accepted = matches.filter { self.rules[$0.rule].accepts(secret: buf[$0.secret]) }
            return deduplicate ? self.deduplicated(accepted, in: buf) : accepted
        }
        let config = configFindings(in: input, kind: kind)
        var out: [Finding] = []
        switch kind {
        case .skip:
            break
        case .text:
            guard let bytes = input.prefix(min(input.size, SecretDetector.textLimit)) else { break }
            bytes.withUnsafeBytes { buf in
                var locator = TextLocator(buf)
                let search = matcher.search(buf)
                note(search.incomplete, base: 0)
                for m in pick(search.matches, buf) {
                    if let f = finding(m, in: buf, base: 0, input: input, format: "text", locator: &locator) { out.append(f); values.append(Array(buf[m.secret])) }
                }
            }
        case .binary(let format):
            guard let bytes = input.prefix(min(input.size, SecretDetector.binaryLimit)) else { break }
            bytes.withUnsafeBytes { buf in
                PrintableRuns.find(in: buf, minimum: 16) { run in
                    let slice = UnsafeRawBufferPointer(rebasing: buf[run])
                    var locator = TextLocator(slice)
                    let search = matcher.search(slice)
                    note(search.incomplete, base: run.lowerBound)
                    for m in pick(search.matches, slice) {
                        if let f = finding(m, in: slice, base: run.lowerBound, input: input, format: format ?? "binary", locator: &locator) {
                            out.append(f)
                            values.append(Array(slice[m.secret]))
                        }
                    }
                }
            }
        }
        // A config file's content match on a line a provider rule already reported is the same
        // value found twice: keep the provider's finding, which says what the value is.
        let reported = Set(out.compactMap(\.line))
        return (config.filter { !deduplicate || $0.line == nil || !reported.contains($0.line!) } + out, stops, values)
    }

    /// Where several rules matched: a generic rule's match that overlaps a provider rule's is
    /// dropped, and of provider rules that captured the very same value the one whose keyword is
    /// part of the value wins (`hf_` names the provider better than a URL's `://`), then the first.
    func deduplicated(_ matches: [RawMatch], in buf: UnsafeRawBufferPointer) -> [RawMatch] {
        func keywordInside(_ m: RawMatch) -> Bool {
            let value = buf[m.secret].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            return rules[m.rule].keywords.contains { Array(value).firstRange(of: Array($0.utf8)) != nil }
        }
        let specific = matches.filter { !genericRules.contains($0.rule) }
            .sorted { ($0.secret.lowerBound, keywordInside($0) ? 0 : 1, $0.rule) < ($1.secret.lowerBound, keywordInside($1) ? 0 : 1, $1.rule) }
        var kept: [RawMatch] = []
        var seen = Set<Range<Int>>()
        for m in specific where seen.insert(m.secret).inserted { kept.append(m) }
        for m in matches where genericRules.contains(m.rule) && !specific.contains(where: { $0.secret.overlaps(m.secret) }) && seen.insert(m.secret).inserted {
            kept.append(m)
        }
        return kept.sorted()
    }

    private func finding(_ m: RawMatch, in buf: UnsafeRawBufferPointer, base: Int, input: SniffInput, format: String,
                         locator: inout TextLocator) -> Finding? {
        let rule = rules[m.rule]
        let value = Array(buf[m.secret])
        if rule.generic && format == "text" && GenericContext.rejects(path: input.path, text: buf, secret: m.secret) { return nil }
        let entropy = SecretChecks.entropy(value)
        let position = locator.locate(m.secret.lowerBound)
        var why = "keyword " + (rule.keywords.first.map { "'\($0)'" } ?? "none") + " + pattern"
        if let min = rule.minEntropy { why += ", entropy \(String(format2: entropy)) >= \(String(format2: min))" }
        if rule.validate != .none { why += ", \(rule.validate.rawValue) valid" }
        let inText = format == "text"
        let where_ = inText ? "" : " (in the \(format) content at byte \(base + m.secret.lowerBound))"
        let preview = Redaction.preview(value[...])
        var f = Finding(
            kind: .secret, category: rule.category, rule: rule.findingRuleID, format: format, severity: .block, path: input.path,
            size: input.size, line: inText ? position.line : nil, column: inText ? position.column : nil,
            secret: SecretEvidence(preview: preview, value: showSecrets ? String(decoding: value, as: UTF8.self) : nil, entropy: entropy, why: why),
            summary: ArtifactSummary(), label: rule.name, message: "\(rule.name): \(preview)\(where_)",
            fingerprint: Fingerprint.secret(rule: rule.findingRuleID, value: value))
        f.offset = base + m.secret.lowerBound
        f.suppression = suppression(path: input.path, ruleIDs: [rule.findingRuleID, rule.id], value: value,
                                    text: inText ? buf : nil, offset: m.secret.lowerBound)
        return f
    }

    /// An allowlist entry on the value, else a `moat:allow` comment at the match (text only).
    private func suppression(path: PathBytes, ruleIDs: [String], value: [UInt8], text: UnsafeRawBufferPointer?, offset: Int) -> Suppression? {
        if let i = allowlist.firstMatch(path: path, rule: ruleIDs[0], value: value) {
            return Suppression(source: .allowlist(i), reason: allowlist.entries[i].reason)
        }
        if let text, let reason = InlineAllow.reason(in: text, at: offset, ruleIDs: ruleIDs) {
            return Suppression(source: .inline, reason: reason)
        }
        return nil
    }

    /// The compiled content pattern of config rule `i`; nil when it has none or it does not compile.
    private func configPattern(_ i: Int) -> PCRE2Pattern? {
        configPatterns.withLock { states -> PCRE2Pattern? in
            switch states[i] {
            case .ready(let p): return p
            case .failed: return nil
            case .pending:
                guard let content = configRules[i].content, let p = try? PCRE2Pattern(content) else {
                    states[i] = .failed
                    return nil
                }
                states[i] = .ready(p)
                return p
            }
        }
    }

    /// Sensitive configuration files: by name, and by content when the rule has a pattern.
    private func configFindings(in input: SniffInput, kind: ContentKind) -> [Finding] {
        let lower = input.path.lowercased
        var out: [Finding] = []
        for (i, rule) in configRules.enumerated() where rule.matches(lowercasedPath: lower) {
            var line: Int?, evidence: SecretEvidence?, accepted: Suppression?, matched: [UInt8]?
            if rule.content != nil {
                guard case .text = kind, let pattern = configPattern(i),
                      let bytes = input.prefix(min(input.size, SecretDetector.textLimit)) else { continue }
                let hit: (Int, SecretEvidence, Suppression?, [UInt8])? = bytes.withUnsafeBytes { buf in
                    var from = 0
                    while from <= buf.count, let m = try? pattern.firstMatch(in: buf, from: from) {
                        let value = Array(buf[m.secret])
                        let entropy = SecretChecks.entropy(value)
                        if (rule.minEntropy.map { entropy >= $0 } ?? true) && !SecretChecks.containsStopword(value, rule.stopwords) {
                            var locator = TextLocator(buf)
                            return (locator.locate(m.secret.lowerBound).line,
                                    SecretEvidence(preview: Redaction.preview(value[...]), value: showSecrets ? String(decoding: value, as: UTF8.self) : nil,
                                                   entropy: entropy, why: "file name + content pattern"),
                                    suppression(path: input.path, ruleIDs: [rule.findingRuleID, rule.id], value: value, text: buf, offset: m.secret.lowerBound),
                                    value)
                        }
                        from = max(m.whole.upperBound, m.whole.lowerBound + 1)
                    }
                    return nil
                }
                guard let (l, e, s, v) = hit else { continue }
                line = l
                evidence = e
                accepted = s
                matched = v
            }
            let message = rule.name + (evidence.map { ": \($0.preview)" } ?? "")
            var f = Finding(kind: .secret, category: rule.category, rule: rule.findingRuleID, format: "config", severity: .block,
                            path: input.path, size: input.size, line: line, column: nil, secret: evidence,
                            summary: ArtifactSummary(), label: rule.name, message: message,
                            fingerprint: Fingerprint.secret(rule: rule.findingRuleID, value: matched ?? Array(input.head.prefix(4096))))
            f.suppression = accepted
            out.append(f)
        }
        return out
    }
}

extension Fingerprint {
    /// SHA-256 over the rule and the secret value, cut to 32 hex digits: stable when the line or
    /// the file moves and in every mode (scan, staged, history), different for a rotated value.
    /// (A config file found by name alone has its first 4 KiB as the value.)
    public static func secret(rule: String, value: [UInt8]) -> String {
        var h = SHA256()
        h.update(data: Array("moat-secret-v2\0\(rule)\0".utf8))
        h.update(data: value)
        return hex(h.finalize().prefix(16))
    }
}

extension String {
    /// "4.12"
    init(format2 v: Double) {
        let h = Int((v * 100).rounded())
        self = "\(h / 100).\(h % 100 < 10 ? "0" : "")\(h % 100)"
    }
}
