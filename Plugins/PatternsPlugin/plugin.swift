import Foundation
import PackagePlugin

/// Turns the YAML rule files in the package's top-level `Patterns/` folder into Swift source compiled
/// into the target, so the built binary carries its rules and needs no files beside it.
@main
struct PatternsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let patterns = context.package.directoryURL.appending(path: "Patterns")
        let files = (try? FileManager.default.contentsOfDirectory(at: patterns, includingPropertiesForKeys: nil)) ?? []
        let inputs = files.filter { $0.pathExtension == "yaml" || $0.pathExtension == "yml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedPatterns.swift")
        return [
            .buildCommand(
                displayName: "Embedding Patterns/ (\(inputs.count) files)",
                executable: try context.tool(named: "moat-patterns-gen").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
