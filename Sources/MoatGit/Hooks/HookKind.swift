/// The git hooks moat can install.
public enum HookKind: String, CaseIterable, Sendable {
    /// Scans the staged blobs (`moat staged`).
    case preCommit = "pre-commit"
    /// Scans the commits being pushed (`moat history --pre-push`).
    case prePush = "pre-push"
    /// A server's hook: refuses a push whose new commits add findings (`moat history --pre-receive`).
    case preReceive = "pre-receive"

    /// Runs in the repository that receives pushes (usually bare), not in a developer's clone.
    public var isServerSide: Bool { self == .preReceive }

    /// The hook's file name in the hooks directory.
    public var fileName: String { rawValue }

    /// Where `install(kind:chain:...)` moves a foreign hook so that ours runs it first.
    public var chainedFileName: String { rawValue + ".local" }

    /// The script, with `@MOAT_PATH@` still in it.
    var template: String {
        switch self {
        case .preCommit: return HookTemplates.preCommit
        case .prePush: return HookTemplates.prePush
        case .preReceive: return HookTemplates.preReceive
        }
    }
}
