/// Decides how serious a finding is from how much model it leaks.
///
/// The rule, in elements (parameters, or tensor bytes / 4 when the count is unknown):
/// - weights, checkpoints, optimizer state, gradients: `block` from 100,000 elements (~400 KB of
///   float32: more than any unit-test fixture, less than the smallest useful LoRA adapter),
///   `warn` from 1,000, `info` below (a handful of constants is not a model);
/// - tensor dumps (arrays of unknown meaning): `block` from 1,000,000 elements (~4 MB),
///   `warn` from 4,096, `info` below;
/// - datasets: `block` from 1 MiB (a shard of real training data: licensing, personal data),
///   `warn` from 64 KiB, `info` below; model assets (tokenizers, vocabularies): `info`;
/// - structurally broken artifacts keep their category's rule (a truncated checkpoint is still one).
public struct SeverityPolicy: Sendable {
    public var modelBlockElements = 100_000
    public var modelWarnElements = 1_000
    public var dumpBlockElements = 1_000_000
    public var dumpWarnElements = 4_096
    public var datasetWarnBytes = 64 * 1024
    public var datasetBlockBytes = 1 << 20

    public init() {}

    public func severity(category: Category, summary: ArtifactSummary, size: Int) -> Severity {
        let elements = summary.parameters ?? (summary.tensorBytes ?? size) / 4
        switch category {
        case .modelWeights, .trainingCheckpoint, .optimizerState, .gradients:
            return elements >= modelBlockElements ? .block : elements >= modelWarnElements ? .warn : .info
        case .tensorDump:
            return elements >= dumpBlockElements ? .block : elements >= dumpWarnElements ? .warn : .info
        case .dataset:
            return size >= datasetBlockBytes ? .block : size >= datasetWarnBytes ? .warn : .info
        case .modelAsset:
            return .info
        case .secret, .sensitiveConfig, .policy, .protectedModel:
            return .block
        }
    }
}
