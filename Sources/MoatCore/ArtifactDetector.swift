import Crypto
import MoatBytes

/// Runs the sniffers on one file or blob and turns a detection into a `Finding`.
///
/// This is the detection core's entry point: it sees a path and bytes, nothing of git.
public struct ArtifactDetector: Sendable {
    public var sniffers: [any Sniffer]
    public var pathRules: [PathRule]
    public var policy: SeverityPolicy

    public init(sniffers: [any Sniffer] = SnifferRegistry.all, pathRules: [PathRule] = PathRule.builtin, policy: SeverityPolicy = SeverityPolicy()) {
        self.sniffers = sniffers
        self.pathRules = pathRules
        self.policy = policy
    }

    /// What became of one input.
    public enum Outcome: Sendable {
        case finding(Finding)
        /// Recognised and harmless (text, a Git LFS pointer, an image).
        case benign(Benign)
        /// Nothing recognised.
        case clean
    }

    /// Examines one input.
    public func examine(path: PathBytes, source: ByteSource) -> Outcome {
        examine(SniffInput(path: path, source: source))
    }

    /// Examines an input already wrapped for sniffing (so other detectors can share its reads).
    public func examine(_ input: SniffInput) -> Outcome { classify(input).outcome }

    /// The outcome, whether the content is worth a search for secrets (`Detection.hasStrings`) and
    /// whether it is text (`Detection.isText`).
    func classify(_ input: SniffInput) -> (outcome: Outcome, hasStrings: Bool, isText: Bool) {
        for sniffer in sniffers {
            switch sniffer.sniff(input) {
            case .notMine: continue
            case .benign(let what): return (.benign(what), what == .text, what == .text)
            case .found(let detection): return (.finding(finding(for: detection, input: input)), detection.hasStrings, detection.isText)
            }
        }
        return (.clean, true, false)
    }

    func finding(for detection: Detection, input: SniffInput) -> Finding {
        var d = detection
        let lower = input.path.lowercased
        let hints = pathRules.filter { $0.matches(lowercasedPath: lower) }
        // Names refine what content found; they never create a finding.
        let suggested = Set(hints.compactMap(\.suggests))
        if suggested.contains(.gradients), [.tensorDump, .modelWeights].contains(d.category) {
            d.category = .gradients
            d.label = ArtifactDetector.relabel(d.label, as: "gradients", dump: "gradient dump")
        } else if d.category == .tensorDump, suggested.contains(.optimizerState) {
            d.category = .optimizerState
            d.label = ArtifactDetector.relabel(d.label, as: "optimizer state", dump: "optimizer state dump")
        } else if d.category == .tensorDump, suggested.contains(.modelWeights) {
            d.category = .modelWeights
            d.label = ArtifactDetector.relabel(d.label, as: "weights", dump: "weights dump")
        }
        let severity = policy.severity(category: d.category, summary: d.summary, size: input.size)
        let rule = "artifact.\(d.format)"
        return Finding(
            kind: .artifact, category: d.category, rule: rule, format: d.format, severity: severity, path: input.path,
            size: input.size, line: nil, summary: d.summary, label: d.label,
            message: FindingMessage.sentence(label: d.label, summary: d.summary, size: input.size, problems: d.problems),
            pathHints: hints.map(\.description),
            fingerprint: Fingerprint.artifact(rule: rule, size: input.size, head: input.head)
        )
    }
}

extension ArtifactDetector {
    /// "raw float32 tensor dump" -> "raw float32 gradient dump"; "PyTorch model weights" -> "PyTorch gradients".
    static func relabel(_ label: String, as what: String, dump: String) -> String {
        for word in ["model weights", "tensor dump", "weights", "array"] where label.contains(word) {
            return label.replacingFirst(word, with: word == "tensor dump" ? dump : what)
        }
        return "\(label) (\(what))"
    }
}

/// Stable identities for findings, for baselines: the same content gives the same fingerprint on
/// every run and machine, whichever mode found it and wherever the file was moved.
public enum Fingerprint {
    /// SHA-256 over the rule, the size and the first 64 KiB, shortened to 32 hex digits: a renamed
    /// checkpoint keeps it, a changed one does not.
    public static func artifact(rule: String, size: Int, head: [UInt8]) -> String {
        var h = SHA256()
        h.update(data: Array("moat-artifact-v2\0\(rule)\0".utf8))
        h.update(data: Array("\(size)\0".utf8))
        h.update(data: head)
        return hex(h.finalize().prefix(16))
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        replacing(target, with: replacement, maxReplacements: 1)
    }
}
