import ArgumentParser
import MoatBytes
import MoatCore
import MoatGit
import MoatScan

/// `moat hook install|uninstall|status`: manage moat's git hooks.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Install, remove or show moat's git hooks.",
        subcommands: [Install.self, Uninstall.self, Status.self]
    )

    struct Common: ParsableArguments {
        @Option(name: .customShort("C"), help: ArgumentHelp("Run as if moat was started in DIR (like git -C).", valueName: "dir"))
        var directory: String?

        @Flag(name: .customLong("pre-push"), help: "The pre-push hook instead of the pre-commit hook.")
        var prePush = false

        @Flag(name: .customLong("pre-receive"), help: "The server-side pre-receive hook (in the repository that receives pushes, usually bare).")
        var preReceive = false

        var kind: HookKind { preReceive ? .preReceive : prePush ? .prePush : .preCommit }

        func validate() throws {
            if prePush && preReceive { throw ValidationError("--pre-push and --pre-receive do not go together") }
        }

        func installer() throws -> HookInstaller {
            if let dir = directory { try Terminal.changeDirectory(dir) }
            GitLibrary.initialize()
            do {
                let repo = try GitRepository.open(at: ".", fromEnvironment: false)
                return HookInstaller(repository: repo, moatExecutable: Terminal.executablePath().map { PathBytes($0) })
            } catch {
                throw MoatError(error.description)
            }
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install the hook (refuses to replace a hook moat did not write).",
            discussion: "Honours core.hooksPath. With --chain an existing hook is kept as <hook>.local and runs first."
        )
        @OptionGroup var common: Common
        @Flag(name: .long, help: "Keep an existing hook and run it before moat's.") var chain = false
        @Flag(name: .long, help: "Replace an existing hook that moat did not write.") var force = false

        func run() throws {
            let installer = try common.installer()
            do {
                let outcome = try installer.install(kind: common.kind, chain: chain, force: force)
                let path = try installer.hooksDirectory().appending(Array(common.kind.fileName.utf8))
                switch outcome {
                case .installed: Terminal.writeOut("moat: installed \(common.kind.fileName) hook at \(path)\n")
                case .updated: Terminal.writeOut("moat: updated \(common.kind.fileName) hook at \(path)\n")
                case .chained(let previous): Terminal.writeOut("moat: installed \(common.kind.fileName) hook at \(path); the existing hook now runs first from \(previous)\n")
                case .replaced: Terminal.writeOut("moat: replaced the existing \(common.kind.fileName) hook at \(path)\n")
                }
            } catch {
                throw MoatError(error.description)
            }
            // The hook never compiles the secret rules' database: cache it now, with the project's rules.
            try DetectionSettings().warmDatabaseCache()
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove moat's hook (never a hook moat did not write).")
        @OptionGroup var common: Common

        func run() throws {
            let installer = try common.installer()
            do {
                switch try installer.uninstall(kind: common.kind) {
                case .removed: Terminal.writeOut("moat: removed the \(common.kind.fileName) hook\n")
                case .restored(let previous): Terminal.writeOut("moat: removed the \(common.kind.fileName) hook and restored the previous one from \(previous)\n")
                case .notInstalled: Terminal.writeOut("moat: no moat \(common.kind.fileName) hook installed\n")
                }
            } catch {
                throw MoatError(error.description)
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show which hooks are installed.")
        @OptionGroup var common: Common

        func run() throws {
            let installer = try common.installer()
            do {
                for s in try installer.status() {
                    let state: String
                    switch s.state {
                    case .absent: state = "not installed"
                    case .installed(let chained): state = chained ? "installed (chained)" : "installed"
                    case .foreign: state = "another tool's hook"
                    }
                    Terminal.writeOut("\(s.kind.fileName): \(state) (\(s.path))\n")
                }
            } catch {
                throw MoatError(error.description)
            }
        }
    }
}
