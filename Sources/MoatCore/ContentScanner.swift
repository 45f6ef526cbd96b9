import MoatBytes

/// The detection core's front door: one input (a path and bytes) in, every finding out. Runs the
/// artifact sniffers, then, when secret scanning is on, the secret detector on what the sniffers
/// said the content is (text whole; containers and unknown binaries through their strings).
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
        /// Recognised and harmless ("Git LFS pointer ..."), when so.
        public var benign: String?
    }

    public func examine(path: PathBytes, source: ByteSource, blob: String? = nil, commit: String? = nil) -> Outcome {
        let input = SniffInput(path: path, source: source)
        var outcome = Outcome()
        let kind: SecretDetector.ContentKind
        switch artifacts.examine(input, blob: blob, commit: commit) {
        case .finding(let f):
            outcome.findings.append(f)
            // A headerless float dump has no strings to search.
            kind = f.format.hasPrefix("raw-") ? .skip : .binary(format: f.format)
        case .benign(let why):
            outcome.benign = why
            kind = why == TextSniffer.verdict ? .text : .skip
        case .clean:
            kind = .binary(format: nil)
        }
        if let secrets { outcome.findings += secrets.findings(in: input, kind: kind, blob: blob, commit: commit) }
        return outcome
    }
}
