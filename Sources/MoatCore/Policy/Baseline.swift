import MoatBytes

/// Findings a team has accepted as they are today (`--write-baseline FILE`, then `--baseline
/// FILE`): a finding whose fingerprint is listed is suppressed. Fingerprints follow content
/// (`Fingerprint`), so a moved secret or a renamed checkpoint stays accepted and a changed one
/// does not. The file is JSON, sorted, so it diffs well in review:
///
/// ```json
/// {"version": 1, "findings": [{"fingerprint": "5f0c…", "rule": "secret.openai-api-key", "path": "app/settings.py"}]}
/// ```
public struct Baseline: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Comparable {
        public var fingerprint: String
        /// Rule and path, for people reading the file; only the fingerprint is matched.
        public var rule: String
        public var path: String

        public init(fingerprint: String, rule: String, path: String) {
            self.fingerprint = fingerprint
            self.rule = rule
            self.path = path
        }

        public static func < (a: Entry, b: Entry) -> Bool { (a.path, a.rule, a.fingerprint) < (b.path, b.rule, b.fingerprint) }
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries.sorted() }

    /// A baseline accepting every finding given (suppressed ones too: they stay accepted if
    /// their allowlist entry goes away).
    public init(findings: [Finding]) {
        var seen = Set<String>()
        self.init(entries: findings.compactMap { f in
            seen.insert(f.fingerprint).inserted ? Entry(fingerprint: f.fingerprint, rule: f.rule, path: f.path.description) : nil
        })
    }

    public var fingerprints: Set<String> { Set(entries.map(\.fingerprint)) }

    /// The file's text.
    public func serialized() -> String {
        var out = "{\n  \"version\": 1,\n  \"tool\": \"moat\",\n  \"findings\": ["
        for (i, e) in entries.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            out += "    {\"fingerprint\": \(JSONText.quoted(e.fingerprint)), \"rule\": \(JSONText.quoted(e.rule)), \"path\": \(JSONText.quoted(e.path))}"
        }
        out += entries.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    /// Parses a baseline file's bytes; nil with the reason when it is not one.
    public static func parse(_ bytes: [UInt8]) -> Result<Baseline, BaselineError> {
        guard let root = JSONScanner.parse(bytes, 0..<bytes.count) else { return .failure(BaselineError("not valid JSON")) }
        guard root["version"]?.int == 1 else { return .failure(BaselineError("not a version 1 moat baseline (\"version\": 1)")) }
        guard let list = root["findings"]?.array else { return .failure(BaselineError("no \"findings\" list")) }
        var entries: [Entry] = []
        for (i, item) in list.enumerated() {
            guard let fp = item["fingerprint"]?.string, fp.utf8.count == 32, fp.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            else { return .failure(BaselineError("finding \(i + 1): \"fingerprint\" must be 32 lower-case hex digits")) }
            entries.append(Entry(fingerprint: fp, rule: item["rule"]?.string ?? "", path: item["path"]?.string ?? ""))
        }
        return .success(Baseline(entries: entries))
    }
}

/// Why a baseline file was refused.
public struct BaselineError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
