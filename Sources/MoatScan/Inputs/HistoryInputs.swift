import MoatBytes
import MoatCore
import MoatGit

/// Every unique blob of a history walk (`moat history`), each with the commit that introduced it.
public enum HistoryInputs {
    /// The blobs of `history`, with the walk's counters (commits, missing objects, skipped
    /// submodules and symlinks) recorded in `result`.
    /// `verify`: hash every blob whole and compare with its id (`--verify-objects`).
    public static func collect(_ history: HistorySource, verify: Bool = false, into result: inout ScanResult) -> InputBatch {
        result.commitsWalked = history.stats.commits
        result.missingObjects += history.stats.missingObjects
        result.skip(.submodules, count: history.stats.skippedGitlinks)
        result.skip(.symlinks, count: history.stats.skippedSymlinks)
        for m in history.missingSamples.prefix(5) { result.warnings.append("missing \(m)") }
        // A broken ref is history moat cannot reach: counted like a missing object (exit 2 unless
        // --allow-missing), where git only warns "ignoring broken ref".
        result.missingObjects += history.brokenRefs.count
        for ref in history.brokenRefs { result.warnings.append("ignoring broken ref \(ref): it holds no object id, so the history it pointed to was not scanned from it") }
        if history.stats.shallow { result.shallowBoundary = shallowCommits(gitDir: history.repository.gitDir) }
        let inputs = history.blobs.map { ScanInput(path: $0.path, size: $0.size, origin: .history($0)) }
        return InputBatch(inputs: inputs, reader: HistoryReader(history: history, verify: verify))
    }
}

extension HistoryInputs {
    /// The commit ids listed in `<git dir>/shallow`, sorted.
    static func shallowCommits(gitDir: PathBytes) -> [String] {
        guard let file = try? FileByteSource(path: gitDir.appending(Array("shallow".utf8))),
              let bytes = file.read(at: 0, count: min(file.size, 16 << 20)) else { return [] }
        let hex = Set("0123456789abcdef".utf8)
        return bytes.split(separator: 0x0A).filter { $0.count == 40 && $0.allSatisfy(hex.contains) }
            .map { String(decoding: $0, as: UTF8.self) }.sorted()
    }
}

/// Reads the blobs of a walk with one repository handle per worker and packed blobs in pack
/// order (`HistorySource.readBlobs`).
struct HistoryReader: InputReader {
    let history: HistorySource
    /// Hash each blob whole before it is scanned (`--verify-objects`).
    var verify = false

    func read(_ inputs: [ScanInput], workers: Int, deliver: @escaping @Sendable (Int, ReadOutcome) -> Void) throws(ScanError) {
        let blobs = history.blobs
        let verify = self.verify
        do {
            try history.readBlobs(gitDir: history.repository.gitDir, workers: workers, policy: .history) { i, source, error in
                if let source {
                    deliver(i, .source(verify ? BlobVerification.verified(source, id: blobs[i].id) : source))
                } else {
                    deliver(i, .failed("\(blobs[i].path): skipped: \(error.map { "\($0)" } ?? "cannot read blob \(blobs[i].id)")"))
                }
            }
        } catch {
            throw ScanError(error.description)
        }
    }
}
