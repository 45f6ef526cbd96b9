import MoatBytes

/// What is installed for one hook.
public struct HookStatus: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        /// No hook file.
        case absent
        /// moat's hook; `chained` when a previous hook runs first from `<name>.local`.
        case installed(chained: Bool)
        /// A hook moat did not write.
        case foreign
    }

    /// Which hook.
    public let kind: HookKind
    /// The hook file, whether or not it exists.
    public let path: PathBytes
    /// What is there.
    public let state: State
}

/// What `HookInstaller.install` did.
public enum HookInstallOutcome: Equatable, Sendable {
    /// There was no hook; ours is now in place.
    case installed
    /// Our own hook was rewritten.
    case updated
    /// The foreign hook was moved to `previous`; ours runs it first.
    case chained(previous: PathBytes)
    /// The foreign hook was overwritten (`force`).
    case replaced
}

/// What `HookInstaller.uninstall` did.
public enum HookUninstallOutcome: Equatable, Sendable {
    /// Our hook was removed.
    case removed
    /// Our hook was removed (if it was there) and the chained hook moved back into its place.
    case restored(previous: PathBytes)
    /// Neither our hook nor a chained one was there.
    case notInstalled
}
