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

    public init(artifacts: ArtifactDetector = ArtifactDetector(), secrets: SecretDetector?) {
        self.artifacts = artifacts
        self.secrets = secrets
    }

    /// What one input produced.
    public struct Outcome: Sendable {
        public var findings: [Finding] = []
        /// What the input was recognised as when it is harmless (text, an LFS pointer, an image).
        public var benign: Benign?
    }

    public func examine(path: PathBytes, source: ByteSource) -> Outcome {
        let input = SniffInput(path: path, source: source)
        var outcome = Outcome()
        let kind: SecretDetector.ContentKind
        let (verdict, hasStrings, isText) = artifacts.classify(input)
        switch verdict {
        case .finding(let f):
            outcome.findings.append(f)
            kind = isText ? .text : hasStrings ? .binary(format: f.format) : .skip
        case .benign(let what):
            outcome.benign = what
            kind = what == .text ? .text : .skip
        case .clean:
            kind = .binary(format: nil)
        }
        if let secrets { outcome.findings += secrets.findings(in: input, kind: kind) }
        return outcome
    }
}
