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
        subcommands: [ScanCommand.self, StagedCommand.self, HistoryCommand.self, HookCommand.self, RulesCommand.self]
    )

    /// Parses and runs, mapping every failure to moat's exit codes (0, 1, 2) instead of
    /// ArgumentParser's defaults (64 for usage errors).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
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
}
