import MoatBytes

/// The detection core's front door: one input (a path and bytes) in, every finding out. Runs the
/// artifact sniffers, then, when secret scanning is on, the secret detector on what the sniffers
/// said the content is (text whole; containers and unknown binaries through their strings).
///
/// It knows nothing of where the bytes came from: the scan pipeline (`MoatScan`) attaches the
/// origin (blob, commit, provenance) to the findings.
public struct ContentScanner: Sendable {
    public let artifacts: ArtifactDetector
    public let secrets: SecretDetector?
    /// Where files may be stored as they are (`lfs: required`, `max-file-size`).
    public let storage: StoragePolicy
    /// Protected-model registries (`--protected`, `protected:`), loaded when a tensor file is seen.
    public let protected: ProtectedModels?

    public init(artifacts: ArtifactDetector = ArtifactDetector(), secrets: SecretDetector?, storage: StoragePolicy = StoragePolicy(),
                protected: ProtectedModels? = nil) {
        self.artifacts = artifacts
        self.secrets = secrets
        self.storage = storage
        self.protected = protected
    }

    /// What one input produced.
    public struct Outcome: Sendable {
        public var findings: [Finding] = []
        /// What the input was recognised as when it is harmless (text, an LFS pointer, an image).
        public var benign: Benign?
        /// Secret rules that could not search all of the input.
        public var stops: [RuleStop] = []
    }

    public func examine(path: PathBytes, source: ByteSource) -> Outcome {
        let input = SniffInput(path: path, source: source)
        var outcome = Outcome()
        let kind: SecretDetector.ContentKind
        let (verdict, hasStrings, isText) = artifacts.classify(input)
        switch verdict {
        case .finding(let f):
            outcome.findings.append(f)
            if let protected { outcome.findings += protected.findings(for: input, format: f.format) }
            kind = isText ? .text : hasStrings ? .binary(format: f.format) : .skip
        case .benign(let what):
            outcome.benign = what
            kind = what == .text ? .text : .skip
        case .clean:
            kind = .binary(format: nil)
        }
        if let secrets {
            let (findings, stops, values) = secrets.examineWithValues(input, kind: kind)
            // A token in a model's metadata is printed in the artifact finding too: redact it
            // there the way the secret finding shows it, unless --show-secrets.
            if !secrets.showSecrets, !values.isEmpty {
                outcome.findings = outcome.findings.map { $0.redacting(values) }
            }
            outcome.findings += findings
            outcome.stops = stops
        }
        if !storage.isEmpty {
            var pointer = false
            if case .lfsPointer = outcome.benign { pointer = true }
            outcome.findings += storage.findings(path: path, size: input.size, isLFSPointer: pointer, head: input.head)
        }
        return outcome
    }
}
