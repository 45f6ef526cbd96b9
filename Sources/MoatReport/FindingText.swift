import MoatCore

/// Wording shared by the CI formats (SARIF, JUnit, GitHub, GitLab, Markdown): where a finding is,
/// what its rule means and how to fix it. The fix wording is TextReport's, so every format gives
/// the same advice. Nothing here escapes: each format escapes what it takes from here.
enum FindingText {
    /// The project's public home, for SARIF `informationUri`/`helpUri` and report links. nil
    /// until the project publishes one: the formats leave the optional link fields out rather
    /// than point at an address nobody owns.
    static let homepage: String? = nil

    /// Where a rule's kind is documented: the README section that lists what moat finds.
    static func helpURI(kind: Finding.Kind) -> String? {
        guard let homepage else { return nil }
        switch kind {
        case .artifact: return homepage + "#what-it-finds"
        case .secret: return homepage + "#secrets-and-sensitive-configuration-files"
        }
    }

    /// "ckpt/model.pt", "config/.env:12", "app.py:3:17".
    static func location(_ f: Finding) -> String {
        f.path.description + (f.line.map { ":\($0)" + (f.column.map { ":\($0)" } ?? "") } ?? "")
    }

    /// How the severities count in a result.
    static func counts(_ r: ScanResult) -> (block: Int, warn: Int, info: Int) {
        var c = (block: 0, warn: 0, info: 0)
        for f in r.findings {
            switch f.severity {
            case .block: c.block += 1
            case .warn: c.warn += 1
            case .info: c.info += 1
            }
        }
        return c
    }

    /// "2 blocking, 1 warning" or "nothing found".
    static func headline(_ r: ScanResult) -> String {
        let c = counts(r)
        var parts: [String] = []
        if c.block > 0 { parts.append("\(c.block) blocking") }
        if c.warn > 0 { parts.append("\(c.warn) \(c.warn == 1 ? "warning" : "warnings")") }
        if c.info > 0 { parts.append("\(c.info) info") }
        return parts.isEmpty ? "nothing found" : parts.joined(separator: ", ")
    }

    /// One short line naming a rule for people: "ML artifact: PyTorch optimizer state".
    static func shortDescription(kind: Finding.Kind, rule: String, labels: [String]) -> String {
        let what = labels.prefix(3).joined(separator: "; ") + (labels.count > 3 ? "; ..." : "")
        if rule.hasPrefix("policy.") { return "Storage policy: " + what }
        switch kind {
        case .artifact: return "ML artifact in git: " + what
        case .secret: return "Secret or sensitive configuration: " + what
        }
    }

    /// What a rule's findings mean, for people, without a path.
    static func fullDescription(kind: Finding.Kind, rule: String) -> String {
        if rule.hasPrefix("policy.") {
            return "moat rule \(rule) enforces the repository's storage policy (.moat.yaml `lfs: required`, `max-file-size`): "
                + "the file must be stored with Git LFS or kept out of git, whatever it holds."
        }
        switch kind {
        case .artifact:
            return "moat rule \(rule) recognised a machine-learning artifact (model weights, a training checkpoint, optimizer state, "
                + "tensors or a dataset) by its format. Such files are large, leak what was trained, and stay in every clone once committed."
        case .secret:
            return "moat rule \(rule) found a credential or a sensitive configuration file. Anyone who can read the repository "
                + "(or its history) can use it."
        }
    }

    /// How to fix findings of this kind in this mode, as TextReport says it, without its leading blank line.
    /// `path` is a finding's path (quoted for a shell), or nil for a rule's general advice.
    static func advice(kind: Finding.Kind, mode: ScanMode, path: String?, valuesShown: Bool = false) -> String {
        let text = TextReport(color: false)
        let out: String
        switch kind {
        case .artifact: out = text.fixAdvice(mode: mode, paths: [path ?? "<path>"])
        case .secret: out = text.secretAdvice(mode: mode, valuesShown: valuesShown)
        }
        return String(out.drop(while: { $0 == "\n" })).trimmingSuffixNewlines()
    }

    /// The advice for one finding.
    static func advice(_ f: Finding, mode: ScanMode) -> String {
        advice(kind: f.kind, mode: mode, path: f.path.description, valuesShown: f.secret?.value != nil)
    }

    /// A percent-encoded relative URI reference for a path (RFC 3986): unreserved characters and `/`
    /// stay, every other byte, including non-UTF-8 bytes, becomes `%XX`.
    static func uriReference(_ path: [UInt8]) -> String {
        var out = ""
        for b in path {
            let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "-._~/".utf8.contains(b)
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + hexByte(b)
            }
        }
        return out
    }

    static func hexByte(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
    }

    /// One of three words by severity.
    static func by(_ s: Severity, block: String, warn: String, info: String) -> String {
        switch s {
        case .block: return block
        case .warn: return warn
        case .info: return info
        }
    }

    /// `s` with each Unicode scalar for which `replacement` gives a string replaced by it.
    static func replacingScalars(_ s: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if let r = replacement(u) { out += r } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// At most `limit` characters, with "..." when cut.
    static func truncated(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(max(0, limit - 3))) + "..."
    }
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
