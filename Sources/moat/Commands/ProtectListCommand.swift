import ArgumentParser
import MoatScan

/// `moat protect list --registry REG.json`: the models a registry protects.
struct ProtectListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the models of a registry.")

    @Option(help: ArgumentHelp("The registry file.", valueName: "file"))
    var registry: String

    func run() throws {
        let reg = try ProtectedRegistryFile.load(registry)
        for m in reg.models {
            let params = m.tensors.reduce(0) { $0 + $1.rows * $1.columns }
            Terminal.writeOut("\(m.name): \(m.tensors.count) tensors (\(params) parameters), \(m.skipped.count) skipped, from \(m.files.joined(separator: ", "))\n")
        }
        if reg.models.isEmpty { Terminal.writeOut("no models\n") }
    }
}
