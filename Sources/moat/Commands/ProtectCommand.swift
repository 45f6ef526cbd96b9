import ArgumentParser

/// `moat protect add|list|verify`: a registry of protected models, recognised by their values.
struct ProtectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect",
        abstract: "Register models whose tensors must never be committed, and check files against them.",
        discussion: """
            A registry holds sign bits of a keyed sample of each tensor, not weights (docs/protected-weights.md). \
            Scans use it with --protected REGISTRY or `protected:` in .moat.yaml.
            """,
        subcommands: [ProtectAddCommand.self, ProtectListCommand.self, ProtectVerifyCommand.self]
    )
}
