import MoatBytes
import MoatRuleSchema
import Yams

/// `.moat.yaml`: project settings read at run time. Today it names extra rule files:
///
/// ```yaml
/// rules:
///   - security/moat-rules.yaml   # relative to the config file
/// ```
public struct MoatConfig: Sendable, Equatable {
    public static let defaultName = ".moat.yaml"

    /// Rule files, as paths usable from the current directory.
    public var ruleFiles: [String] = []

    public init(ruleFiles: [String] = []) { self.ruleFiles = ruleFiles }

    /// The config at `explicit`, or `.moat.yaml` in the current directory when it exists (else
    /// the empty config). Unknown keys and wrong types are errors naming the file and line.
    public static func load(explicit: String?) throws(ScanError) -> MoatConfig {
        let path = explicit ?? defaultName
        let file: FileByteSource
        do { file = try FileByteSource(path: PathBytes(path)) } catch {
            if explicit == nil { return MoatConfig() }
            throw ScanError("\(path): cannot read the config file: \(error.reason)")
        }
        guard file.size <= 1 << 20, let bytes = file.read(at: 0, count: file.size), let text = String(validating: bytes, as: UTF8.self) else {
            throw ScanError("\(path): cannot read the config file (not UTF-8 text, or over 1 MiB)")
        }
        return try parse(text, path: path)
    }

    /// Parses config text; `path` names it in errors and anchors relative rule-file paths.
    public static func parse(_ text: String, path: String) throws(ScanError) -> MoatConfig {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            // One line, never the offending source: a config may hold a token, or be a nesting bomb.
            let line = RuleSchema.yamlErrorLine(error).map { ":\($0)" } ?? ""
            throw ScanError("\(path)\(line): invalid YAML: \(RuleSchema.yamlErrorProblem(error))")
        } catch {
            throw ScanError("\(path): invalid YAML")
        }
        guard let root = node?.mapping else {
            if node == nil { return MoatConfig() }
            throw ScanError("\(path): the config must be a mapping (e.g. `rules: [file.yaml]`)")
        }
        for (key, _) in root where key.string != "rules" {
            throw ScanError("\(path):\(line(key)): unknown key '\(key.string ?? "?")' (known: rules)")
        }
        guard let rules = root["rules"] else { return MoatConfig() }
        guard let list = rules.sequence, list.allSatisfy({ $0.string != nil }) else {
            throw ScanError("\(path):\(line(rules)): `rules` must be a list of file paths")
        }
        let base = directory(of: path)
        return MoatConfig(ruleFiles: list.compactMap(\.string).map { $0.hasPrefix("/") || base.isEmpty ? $0 : base + "/" + $0 })
    }

    static func line(_ node: Node) -> String { node.mark.map { "\($0.line)" } ?? "?" }

    /// "a/b/.moat.yaml" -> "a/b"; ".moat.yaml" -> "".
    static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(path[..<slash])
    }
}
