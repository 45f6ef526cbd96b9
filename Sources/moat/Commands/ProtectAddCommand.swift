import ArgumentParser
import MoatScan

/// `moat protect add --name NAME --registry REG.json FILE...`: registers (or updates) a model.
struct ProtectAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record the fingerprints of every tensor of a model's files (same name: update).",
        discussion: "Formats: safetensors, PyTorch zip (torch.save), .npy/.npz, GGUF (F32, F16, BF16, Q8_0)."
    )

    @Option(help: ArgumentHelp("The model's name (letters, digits, '.', '-', '_'); findings use rule protected.<name>.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The registry file (created when missing).", valueName: "file"))
    var registry: String

    @Argument(help: "The model's weight files (every shard).")
    var files: [String]

    func run() throws {
        guard !files.isEmpty else { throw ValidationError("give the model's weight files") }
        var reg = try ProtectedRegistryFile.loadOrCreate(registry)
        let model = try ProtectedRegistryFile.add(name: name, files: files, to: &reg)
        try ProtectedRegistryFile.save(reg, to: registry)
        let bits = model.tensors.reduce(0) { $0 + $1.signature.count * min(64, $1.columns) }
        Terminal.writeOut("\(name): \(model.tensors.count) tensors registered (\(bits) sampled bits), \(model.skipped.count) skipped, in \(registry)\n")
    }
}
