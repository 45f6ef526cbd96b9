/// What a finding is. The raw values are part of the JSON contract: never rename them.
public enum Category: String, Sendable, CaseIterable, Codable {
    case modelWeights = "model-weights"
    case trainingCheckpoint = "training-checkpoint"
    case optimizerState = "optimizer-state"
    case gradients = "gradients"
    case tensorDump = "tensor-dump"
    case dataset = "dataset"
    case modelAsset = "model-asset"
    case secret = "secret"
    case sensitiveConfig = "sensitive-config"
    /// A file the team's storage policy forbids as it is (`lfs: required`, `max-file-size`), whatever it holds.
    case policy
    /// A file holding tensors of a model in a protected-model registry (`moat protect`).
    case protectedModel = "protected-model"
}

/// How a finding affects the exit code. `block` fails a hook or CI gate; `warn` and `info` are reported.
public enum Severity: String, Sendable, Comparable, CaseIterable, Codable {
    case info, warn, block

    private var rank: Int {
        switch self {
        case .info: return 0
        case .warn: return 1
        case .block: return 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}
