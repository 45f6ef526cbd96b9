import MoatCore

/// Output for people: one block per finding (severity, path, what it is, why), a summary line, and
/// how to fix it. Colour only when asked (the CLI asks when writing to a terminal). Text from
/// content or history (messages, authors) is escaped again here: fields can be set after a
/// finding was built, and a terminal must never receive a raw control sequence.
public struct TextReport: Report {
    public var color: Bool
    public init(color: Bool) { self.color = color }

    public func render(_ r: ScanResult) -> String {
        var out = ""
        let findings = r.sortedFindings
        for f in findings {
            let tag: String
            switch f.severity {
            case .block: tag = paint("BLOCK", "1;31")
            case .warn: tag = paint("WARN ", "1;33")
            case .info: tag = paint("INFO ", "2")
            }
            let location = f.line.map { ":\($0)" + (f.column.map { ":\($0)" } ?? "") } ?? ""
            out += "\(tag) \(paint(f.path.description, "1"))\(location)\n"
            out += "      \(DisplayText.escape(f.message))\n"
            if let e = f.secret {
                if let value = e.value { out += "      value: \(DisplayText.escape(value))\n" }
                out += "      \(paint("why: " + DisplayText.escape(e.why), "2"))\n"
            }
            if let p = f.provenance { out += "      \(provenanceLine(f, p, pushed: r.pushed))\n" }
            if f.occurrences.count > 1 {
                let commits = Set(f.occurrences.compactMap(\.commit)).count, paths = Set(f.occurrences.map(\.path)).count
                out += "      the same value in \(f.occurrences.count) places (\(commits) \(commits == 1 ? "commit" : "commits"), \(paths) \(paths == 1 ? "path" : "paths")); first shown\n"
            }
            var why = f.pathHints
            why.append(f.rule)
            out += "      \(paint(DisplayText.escape(why.joined(separator: " · ")), "2"))\n"
        }
        if r.showSuppressed {
            for f in ScanResult.sorted(r.suppressed) {
                let location = f.line.map { ":\($0)" } ?? ""
                out += "\(paint("ALLOW", "2")) \(f.path)\(location)\n      \(DisplayText.escape(f.message))\n"
                out += "      \(paint(DisplayText.escape("accepted by " + (f.suppression?.description ?? "?") + " · " + f.rule), "2"))\n"
            }
        }
        out += summaryLine(r) + "\n"
        if !r.shallowBoundary.isEmpty {
            let n = r.shallowBoundary.count
            let named = r.shallowBoundary.prefix(3).map { String($0.prefix(10)) }.joined(separator: ", ") + (n > 3 ? ", ..." : "")
            out += "moat: shallow clone: history before \(n == 1 ? "commit" : "\(n) commits") \(named) is not in this clone and was not scanned\n"
        }
        if r.missingObjects > 0 {
            out += paint("moat: \(r.missingObjects) \(r.missingObjects == 1 ? "object" : "objects") could not be read (partial or shallow clone, or damage): not scanned", "1;33") + "\n"
        }
        let blocking = findings.filter { $0.severity == .block }
        let blockingArtifacts = blocking.filter { $0.kind == .artifact }
        if !blockingArtifacts.isEmpty {
            let paths = blockingArtifacts.map(\.path.description)
            out += r.pushed ? pushAdvice(paths: paths) : fixAdvice(mode: r.mode, paths: paths)
        }
        let blockingSecrets = blocking.filter { $0.kind == .secret }
        if !blockingSecrets.isEmpty { out += secretAdvice(mode: r.mode, valuesShown: blockingSecrets.allSatisfy { $0.secret?.value != nil }) }
        return out
    }

    /// "added in 3f2a9c1 by Ada on 2026-03-02 · also at 2 other paths · deleted since (not at HEAD)"
    func provenanceLine(_ f: Finding, _ p: Provenance, pushed: Bool = false) -> String {
        var parts = ["added in \(f.commit.map { String($0.prefix(10)) } ?? "?") by \(DisplayText.escape(p.author)) on \(DateFormatting.day(p.time))"]
        if p.paths > 1 { parts.append("also at \(p.paths - 1) other \(p.paths == 2 ? "path" : "paths")") }
        if p.commits > 1 { parts.append("in \(p.commits) commits") }
        if pushed {
            parts.append(p.inHead ? "at the pushed tip" : paint("deleted in a later commit, but still in the pushed commits", "33"))
        } else {
            parts.append(p.inHead ? "still at HEAD" : paint("deleted since (not at HEAD), but still in every clone", "33"))
        }
        return parts.joined(separator: " · ")
    }

    func summaryLine(_ r: ScanResult) -> String {
        let noun = r.mode == .history ? (r.filesScanned == 1 ? "blob" : "blobs") : (r.filesScanned == 1 ? "file" : "files")
        var files = "\(r.filesScanned) \(noun)"
        if r.mode == .history { files += " in \(r.commitsWalked) \(r.commitsWalked == 1 ? "commit" : "commits")" }
        let stats = "\(files), \(FindingMessage.bytes(r.bytesRead)) read, \(r.durationMs) ms"
        let accepted = r.suppressed.isEmpty ? "" : ", \(r.suppressed.count) accepted" + (r.showSuppressed ? "" : " (--show-suppressed lists them)")
        guard !r.findings.isEmpty else { return paint("moat: nothing found", "32") + " (\(stats)\(accepted))" }
        // Built only when there are findings: instantiating the dictionary's generic types at run
        // time costs ~0.4 M instructions, a few percent of a clean pre-commit hook run.
        let counts = Dictionary(grouping: r.findings, by: \.severity).mapValues(\.count)
        var parts: [String] = []
        if let b = counts[.block] { parts.append(paint("\(b) blocking", "1;31")) }
        if let w = counts[.warn] { parts.append(paint("\(w) \(w == 1 ? "warning" : "warnings")", "33")) }
        if let i = counts[.info] { parts.append("\(i) info") }
        return "moat: " + parts.joined(separator: ", ") + " (\(stats)\(accepted))"
    }

    func fixAdvice(mode: ScanMode, paths: [String]) -> String {
        let sample = paths.count == 1 ? shellQuote(paths[0]) : "<path>"
        var out = "\nTo fix:\n"
        switch mode {
        case .history:
            out += "  The content is in the repository's history: deleting the file does not remove it.\n"
            out += "  git filter-repo --invert-paths --path \(sample)   # rewrite history without it, then force-push\n"
            out += "  and have every clone re-cloned; rotate any credential it held.\n"
            return out
        case .staged:
            out += "  git restore --staged \(sample)   # unstage it (the file stays on disk)\n"
        case .scan:
            break
        }
        out += "  echo \(sample) >> .gitignore   # keep it out of git\n"
        out += "  git lfs track \(sample)         # or store it with Git LFS instead\n"
        if mode == .staged { out += "Commit anyway (not recommended): git commit --no-verify\n" }
        return out
    }

    /// For a push that was stopped: its commits are still only the pusher's to rewrite.
    func pushAdvice(paths: [String]) -> String {
        let sample = paths.count == 1 ? shellQuote(paths[0]) : "<path>"
        var out = "\nTo fix (the push was stopped; nothing was published):\n"
        out += "  The pushed commits carry the file: deleting it in a new commit does not remove it.\n"
        out += "  git rebase -i <the remote branch>   # edit the commits that add \(sample), then push again\n"
        out += "  echo \(sample) >> .gitignore   # keep it out of git, or: git lfs track \(sample)\n"
        return out
    }

    func secretAdvice(mode: ScanMode, valuesShown: Bool) -> String {
        var out = "\nFor secrets:\n"
        out += "  Treat the value as exposed: revoke or rotate it with its provider.\n"
        out += "  Load it at run time instead (an environment variable, a secret manager) and keep files like .env out of git.\n"
        if mode == .history { out += "  Removing it from history (git filter-repo) does not make it secret again.\n" }
        if mode == .staged { out += "  Then unstage or edit the file: git restore --staged <path>\n" }
        if !valuesShown { out += "  Run with --show-secrets to print the full values.\n" }
        return out
    }

    /// Quotes a path for a shell command line unless it only holds safe characters.
    func shellQuote(_ s: String) -> String {
        if s == "<path>" { return s }
        let safe = s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || "/._-+".utf8.contains($0) }
        return safe ? s : "'" + s.replacing("'", with: "'\\''") + "'"
    }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}
