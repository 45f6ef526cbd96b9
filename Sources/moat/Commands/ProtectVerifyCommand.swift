import ArgumentParser
import MoatScan

/// `moat protect verify --registry REG.json PATH...`: the evidence per tensor (exit 1 when any
/// protected tensor is found, as for a scan).
struct ProtectVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Show, per tensor, which protected tensor a file holds, in which layout, and how sure that is."
    )

    @Option(help: ArgumentHelp("A registry file; repeatable.", valueName: "file"))
    var registry: [String]

    @Option(help: ArgumentHelp("text or json.", valueName: "format"))
    var format = "text"

    @Argument(help: "Files to examine.")
    var paths: [String]

    func run() throws {
        guard !registry.isEmpty else { throw ValidationError("give --registry") }
        guard format == "text" || format == "json" else { throw ValidationError("--format is text or json") }
        let evidence = try ProtectedEvidence.verify(registries: registry, files: paths)
        Terminal.writeOut(format == "json" ? evidence.json() : evidence.text())
        if evidence.anyMatch { throw ExitCode(1) }
    }
}
