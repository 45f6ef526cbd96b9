import Foundation
import PackagePlugin

/// Embeds the hook scripts of the package's top-level `hooks/` folder into the target as Swift
/// string constants (`HookTemplates`), so the binary installs exactly those files.
@main
struct HookTemplatesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let hooks = context.package.directoryURL.appending(path: "hooks")
        let files = ((try? FileManager.default.contentsOfDirectory(at: hooks, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "HookTemplates.swift")
        return [
            .buildCommand(
                displayName: "Embedding hooks/ (\(files.count) scripts)",
                executable: try context.tool(named: "moat-hooks-gen").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
