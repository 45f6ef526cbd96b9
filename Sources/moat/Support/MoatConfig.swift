import Foundation
import Yams

/// `.moat.yaml`: project settings read at run time. Today it names extra rule files:
///
/// ```yaml
/// rules:
///   - security/moat-rules.yaml   # relative to the config file
/// ```
enum MoatConfig {
    static let defaultName = ".moat.yaml"

    /// Rule files listed by the config file (`explicit`, or `.moat.yaml` here when it exists).
    static func ruleFiles(explicit: String?) throws -> [String] {
        let path = explicit ?? defaultName
        guard explicit != nil || FileManager.default.fileExists(atPath: path) else { return [] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw MoatError("\(path): cannot read the config file") }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw MoatError("\(path): \(e)")
        }
        guard let root = node?.mapping else {
            if node == nil { return [] }
            throw MoatError("\(path): the config must be a mapping (e.g. `rules: [file.yaml]`)")
        }
        for (key, _) in root where key.string != "rules" {
            throw MoatError("\(path):\(key.mark.map { "\($0.line)" } ?? "?"): unknown key '\(key.string ?? "?")' (known: rules)")
        }
        guard let rules = root["rules"] else { return [] }
        guard let list = rules.sequence, list.allSatisfy({ $0.string != nil }) else {
            throw MoatError("\(path):\(rules.mark.map { "\($0.line)" } ?? "?"): `rules` must be a list of file paths")
        }
        let base = (path as NSString).deletingLastPathComponent
        return list.compactMap(\.string).map { $0.hasPrefix("/") || base.isEmpty ? $0 : base + "/" + $0 }
    }
}
