import Dispatch
import MoatBytes
import MoatCore
import Synchronization

/// Runs the detection core over a batch of inputs on several threads and merges what each input
/// produced into a `ScanResult` in input order, so output never depends on thread timing. This is
/// the one place where N inputs are scanned: `moat scan`, `moat staged` and `moat history` differ
/// only in the batch they hand it.
public struct ScanRunner: Sendable {
    public let scanner: ContentScanner
    public let workers: Int

    public init(scanner: ContentScanner, workers: Int = Cores.available) {
        self.scanner = scanner
        self.workers = max(1, workers)
    }

    /// What one input produced, before it is merged.
    enum Item: Sendable {
        /// `damage`: the source broke, ended early or ran long while being read, so part of the
        /// content was not scanned (what was found before it still counts).
        case scanned(ContentScanner.Outcome, bytesRead: Int, damage: String?)
        case unreadable(String)
    }

    /// Scans every input of `batch` once and adds the outcomes to `result`. `progress` hears each
    /// finished input (from worker threads).
    public func run(_ batch: InputBatch, into result: inout ScanResult, progress: (any ScanProgress)? = nil) throws(ScanError) {
        let inputs = batch.inputs
        let items = Mutex<[Item?]>(Array(repeating: nil, count: inputs.count))
        let scanner = self.scanner
        try batch.reader.read(inputs, workers: min(workers, max(1, inputs.count))) { i, outcome in
            let item: Item
            switch outcome {
            case .source(let source):
                let outcome = scanner.examine(path: inputs[i].path, source: source)
                item = .scanned(outcome, bytesRead: source.bytesRead, damage: source.readFailure)
            case .failed(let why):
                item = .unreadable(why)
            }
            items.withLock { $0[i] = item }
            progress?.advance(bytes: inputs[i].size)
        }
        progress?.finish()
        // A registry that could not be parsed when the first tensor file needed it: the scan is void.
        if let error = scanner.protected?.loadError { throw ScanError(error.message) }
        let done = items.withLock { $0 }
        for (input, item) in zip(inputs, done) {
            guard let item else {
                // A reader that skipped an input is a bug; never let it pass as clean.
                Self.unreadable("\(input.path): not read", input: input, into: &result)
                continue
            }
            merge(item, of: input, into: &result)
        }
    }

    func merge(_ item: Item, of input: ScanInput, into result: inout ScanResult) {
        switch item {
        case .unreadable(let why):
            Self.unreadable(why, input: input, into: &result)
        case .scanned(let outcome, let bytesRead, let damage):
            if let damage { Self.unreadable("\(input.path): could not be read in full: \(damage)", input: input, into: &result) }
            result.filesScanned += 1
            result.bytesRead += bytesRead
            if case .lfsPointer = outcome.benign { result.skip(.lfsPointers) }
            result.findings += outcome.findings.map { Self.attach(input.origin, to: $0) }
            for stop in outcome.stops {
                result.rulesStopped.append(stop)
                result.warnings.append(stop.warning)
            }
        }
    }

    /// One failure, one record: a git object that cannot be read is a missing object (it makes the
    /// exit status 2 unless allowed); a file is skipped as unreadable. Either way one warning says which.
    static func unreadable(_ why: String, input: ScanInput, into result: inout ScanResult) {
        if input.origin.isObject { result.missingObjects += 1 } else { result.skip(.unreadable) }
        result.warnings.append(why)
    }

    /// Copies where the content lives into a finding the core produced from bytes alone.
    static func attach(_ origin: InputOrigin, to finding: Finding) -> Finding {
        var f = finding
        switch origin {
        case .file:
            break
        case .index(let blob):
            f.blob = blob.hex
        case .history(let blob):
            f.blob = blob.id.hex
            f.commit = blob.firstCommit?.hex
            if blob.firstCommit != nil, blob.reachable {
                f.provenance = Provenance(author: blob.author ?? "unknown", time: blob.time ?? 0, paths: blob.pathCount,
                                          commits: blob.commitCount, inHead: blob.inHead)
                f.provenance?.order = blob.commitOrder
            } else if !blob.reachable {
                f.summary.addNote("dangling object (no ref reaches it)")
            }
        }
        return f
    }
}

/// Hears each finished input, for a progress line.
public protocol ScanProgress: Sendable {
    /// One input of `bytes` bytes is done (called from worker threads).
    func advance(bytes: Int)
    /// The batch is done.
    func finish()
}
