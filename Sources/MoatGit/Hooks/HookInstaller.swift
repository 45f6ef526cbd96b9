#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// Installs, removes and reports moat's git hooks.
///
/// The hooks directory is `core.hooksPath` when set (relative to the work tree root when
/// relative), else `hooks` in the common git directory, shared by all linked worktrees.
/// A hook moat wrote carries the marker line `# moat-hook v1`; a hook without it is foreign and
/// is never overwritten or removed silently.
public final class HookInstaller {
    /// The line that marks a hook as moat's (any version).
    public static let markerPrefix = "# moat-hook"

    public let repository: GitRepository
    /// The moat binary the hook should run; when nil or gone, the hook runs `moat` from `PATH`.
    public let moatExecutable: PathBytes?

    public init(repository: GitRepository, moatExecutable: PathBytes?) {
        self.repository = repository
        self.moatExecutable = moatExecutable
    }

    /// Where git looks for hooks in this repository.
    public func hooksDirectory() throws(GitError) -> PathBytes {
        guard let configured = try repository.configPath("core.hooksPath"), !configured.bytes.isEmpty else {
            return repository.commonDir.appending(Array("hooks".utf8))
        }
        if configured.isAbsolute { return configured.withoutTrailingSlash }
        return (repository.workdir ?? repository.gitDir).appending(configured.bytes).withoutTrailingSlash
    }

    /// Installs the hook `kind`, executable (0755).
    ///
    /// Our own hook is simply rewritten. A foreign hook makes this throw, naming the file, unless
    /// `chain` (it is renamed to `<name>.local`, which our hook runs first with the same arguments
    /// and stdin, failing if it fails; throws if `<name>.local` already exists) or `force` (it is
    /// overwritten).
    public func install(kind: HookKind, chain: Bool, force: Bool) throws(GitError) -> HookInstallOutcome {
        let directory = try hooksDirectory()
        try makeDirectories(directory)
        let hook = directory.appending(Array(kind.fileName.utf8))
        let outcome: HookInstallOutcome
        switch state(of: hook, kind: kind) {
        case .absent: outcome = .installed
        case .installed: outcome = .updated
        case .foreign where chain:
            let previous = directory.appending(Array(kind.chainedFileName.utf8))
            if exists(previous) {
                throw GitError(message: "cannot chain the existing hook \(hook): \(previous) already exists; move one of them away")
            }
            guard rename(hook.cString, previous.cString) == 0 else { throw fileError("cannot rename \(hook) to \(previous)") }
            outcome = .chained(previous: previous)
        case .foreign where force: outcome = .replaced
        case .foreign:
            throw GitError(message: "\(hook) exists and was not installed by moat; use --chain to run it before moat, or --force to replace it")
        }
        try writeExecutable(script(for: kind), to: hook)
        return outcome
    }

    /// Removes our hook `kind` and moves a chained `<name>.local` hook back into its place.
    /// Throws, leaving it alone, when the hook there is foreign.
    public func uninstall(kind: HookKind) throws(GitError) -> HookUninstallOutcome {
        let directory = try hooksDirectory()
        let hook = directory.appending(Array(kind.fileName.utf8))
        let previous = directory.appending(Array(kind.chainedFileName.utf8))
        let current = state(of: hook, kind: kind)
        switch current {
        case .foreign: throw GitError(message: "\(hook) was not installed by moat; leaving it alone")
        case .installed: guard unlink(hook.cString) == 0 else { throw fileError("cannot remove \(hook)") }
        case .absent: break
        }
        guard exists(previous) else { return current == .absent ? .notInstalled : .removed }
        guard rename(previous.cString, hook.cString) == 0 else { throw fileError("cannot move \(previous) back to \(hook)") }
        return .restored(previous: previous)
    }

    /// The state of every hook kind (server-side ones in a clone with a work tree only when present).
    public func status() throws(GitError) -> [HookStatus] {
        let directory = try hooksDirectory()
        return HookKind.allCases.compactMap { kind in
            let hook = directory.appending(Array(kind.fileName.utf8))
            let status = HookStatus(kind: kind, path: hook, state: state(of: hook, kind: kind))
            // A clone with a work tree rarely receives pushes: its server-side hooks are listed
            // only when something is there.
            if kind.isServerSide, !repository.isBare, status.state == .absent { return nil }
            return status
        }
    }

    /// The script for `kind`, pointing at `moatExecutable`.
    func script(for kind: HookKind) -> [UInt8] {
        let quoted = (moatExecutable?.bytes ?? []).flatMap { $0 == UInt8(ascii: "'") ? Array("'\\''".utf8) : [$0] }
        let template = Array(kind.template.utf8), placeholder = Array("@MOAT_PATH@".utf8)
        guard let at = template.firstRange(of: placeholder) else { return template }
        return template[..<at.lowerBound] + quoted + template[at.upperBound...]
    }

    private func state(of hook: PathBytes, kind: HookKind) -> HookStatus.State {
        guard exists(hook) else { return .absent }
        guard let content = readPrefix(hook), Self.hasMarker(content) else { return .foreign }
        let previous = PathBytes(hook.bytes.dropLast(kind.fileName.utf8.count)).appending(Array(kind.chainedFileName.utf8))
        return .installed(chained: exists(previous))
    }

    /// Whether a line of `content` starts with the marker.
    static func hasMarker(_ content: [UInt8]) -> Bool {
        let marker = Array(markerPrefix.utf8)
        return content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).contains { $0.starts(with: marker) }
    }
}
