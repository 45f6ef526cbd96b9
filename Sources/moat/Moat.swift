import ArgumentParser
import MoatCore
import MoatScan

/// `moat`: keeps model weights, checkpoints, tensor dumps and credentials out of git.
@main
struct Moat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moat",
        abstract: "Keep model weights, checkpoints, tensor dumps and credentials out of git.",
        discussion: """
            Exit status: 0 nothing blocking, 1 blocking findings, 2 usage or runtime error.
            """,
        version: MoatVersion.version,
        subcommands: [ScanCommand.self, StagedCommand.self, HistoryCommand.self, HookCommand.self, RulesCommand.self, ProtectCommand.self]
    )

    /// Parses and runs, mapping every failure to moat's exit codes (0, 1, 2) instead of
    /// ArgumentParser's defaults (64 for usage errors).
    static func main() {
        do {
            if isHookInvocation {
                try StagedCommand.run(directory: nil, allowMissing: false, settings: DetectionSettings(), output: ReportOutput())
            } else {
                var command = try parseAsRoot()
                try command.run()
            }
        } catch let code as ExitCode {
            Terminal.exit(code.rawValue)
        } catch let error as MoatError {
            Terminal.error(error.message)
            Terminal.exit(2)
        } catch let error as ScanError {
            Terminal.error(error.message)
            Terminal.exit(2)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Terminal.writeOut(fullMessage(for: error) + "\n")
                Terminal.exit(0)
            }
            Terminal.writeErr(fullMessage(for: error) + "\n")
            Terminal.exit(2)
        }
    }

    /// `moat staged` alone, exactly what the installed pre-commit hook runs, goes straight to the
    /// staged command with every option at its default: ArgumentParser's parse costs ~14 M
    /// instructions of runtime type and conformance lookups (~1.5 ms). Anything else (options,
    /// help, other commands) is parsed by `parseAsRoot`.
    static var isHookInvocation: Bool {
        let arguments = CommandLine.arguments.dropFirst()
        return arguments.count == 1 && arguments.first == "staged"
    }
}
