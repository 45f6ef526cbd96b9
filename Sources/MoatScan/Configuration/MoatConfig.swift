#if canImport(Glibc)
import Glibc
#endif
import MoatBytes
import MoatCore
import MoatMatch
import MoatRuleSchema
import Yams

/// `.moat.yaml`: what a team decided, read at run time (schema: docs/config.md).
///
/// ```yaml
/// rules: [security/moat-rules.yaml]      # extra rule files, relative to this file
/// fail-on: block                         # block | warn | info
/// disable: [secret.generic-*, dataset]   # rule-id globs or categories
/// thresholds: { model-block-elements: 100000 }
/// allow:
///   - { path: "tests/fixtures/**", reason: "test data" }
///   - { rule: "secret.*", value-regex: "^sk-test-", reason: "test-mode keys" }
/// baseline: .moat-baseline.json
/// lfs: { required: ["models/**", "*.safetensors"] }   # files there must be Git LFS pointers
/// max-file-size: 5MB                                 # any larger file is a finding
/// protected: [security/acme.registry.json]           # protected-model registries (moat protect)
/// ```
public struct MoatConfig: Sendable {
    public static let defaultName = ".moat.yaml"

    /// The file it came from (nil: no config).
    public var path: String?
    /// Rule files, as paths usable from the current directory.
    public var ruleFiles: [String] = []
    /// Protected-model registries (`protected:`), relative to the config file.
    public var protectedFiles: [String] = []
    public var allow: [AllowEntry] = []
    /// The baseline file, as a path usable from the current directory.
    public var baseline: String?
    public var failOn: Severity?
    public var disable: [String] = []
    public var severity = SeverityPolicy()
    /// `lfs: required` and `max-file-size`.
    public var storage = StoragePolicy()

    public init(path: String? = nil, ruleFiles: [String] = []) {
        self.path = path
        self.ruleFiles = ruleFiles
    }

    static let keys = ["rules", "allow", "baseline", "fail-on", "disable", "thresholds", "lfs", "max-file-size", "protected"]
    static let lfsKeys = ["required"]
    static let allowKeys = ["path", "rule", "value", "value-regex", "reason"]
    static let thresholdKeys = ["model-block-elements", "model-warn-elements", "dump-block-elements", "dump-warn-elements", "dataset-warn-bytes",
                                "dataset-block-bytes"]

    /// Sets the threshold `name` (one of `thresholdKeys`).
    static func set(_ name: String, _ n: Int, in policy: inout SeverityPolicy) {
        switch name {
        case "model-block-elements": policy.modelBlockElements = n
        case "model-warn-elements": policy.modelWarnElements = n
        case "dump-block-elements": policy.dumpBlockElements = n
        case "dump-warn-elements": policy.dumpWarnElements = n
        case "dataset-block-bytes": policy.datasetBlockBytes = n
        default: policy.datasetWarnBytes = n
        }
    }

    /// The config at `explicit`, or else the nearest `.moat.yaml` from `start` up to the root of
    /// the git work tree holding it (else the empty config).
    public static func load(explicit: String?, searchingFrom start: String = ".") throws(ScanError) -> MoatConfig {
        guard let path = explicit ?? discover(from: start) else { return MoatConfig() }
        let file: FileByteSource
        do { file = try FileByteSource(path: PathBytes(path)) } catch {
            throw ScanError("\(path): cannot read the config file: \(error.reason)")
        }
        guard file.size <= 1 << 20, let bytes = file.read(at: 0, count: file.size), let text = String(validating: bytes, as: UTF8.self) else {
            throw ScanError("\(path): cannot read the config file (not UTF-8 text, or over 1 MiB)")
        }
        return try parse(text, path: path)
    }

    /// The nearest `.moat.yaml` in `start` or its parents, stopping at the first folder that holds
    /// `.git` (the repository root) or at `/`.
    public static func discover(from start: String) -> String? {
        var dir = start
        var st = stat()
        if stat(dir, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR { dir = directory(of: dir).isEmpty ? "." : directory(of: dir) }
        for _ in 0..<64 {
            let candidate = dir == "/" ? "/" + defaultName : dir + "/" + defaultName
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { return candidate.hasPrefix("./") ? String(candidate.dropFirst(2)) : candidate }
            if lstat(dir + "/.git", &st) == 0 { return nil }
            guard let parent = parent(of: dir) else { return nil }
            dir = parent
        }
        return nil
    }

    /// Parses config text; `path` names it in errors and anchors relative paths.
    public static func parse(_ text: String, path: String) throws(ScanError) -> MoatConfig {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            // One line, never the offending source: a config may hold a token, or be a nesting bomb.
            let line = RuleSchema.yamlErrorLine(error).map { ":\($0)" } ?? ""
            throw ScanError("\(path)\(line): invalid YAML: \(RuleSchema.yamlErrorProblem(error))")
        } catch {
            throw ScanError("\(path): invalid YAML")
        }
        var config = MoatConfig(path: path)
        guard let root = node?.mapping else {
            if node == nil { return config }
            throw ScanError("\(path): the config must be a mapping (e.g. `rules: [file.yaml]`)")
        }
        let base = directory(of: path)
        func resolve(_ p: String) -> String { p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p }
        func fail(_ node: Node, _ reason: String) -> ScanError { ScanError("\(path):\(line(node)): \(reason)") }
        func strings(_ node: Node, _ key: String) throws(ScanError) -> [String] {
            guard let list = node.sequence, list.allSatisfy({ $0.scalar != nil }) else { throw fail(node, "`\(key)` must be a list of strings") }
            return list.compactMap(\.string)
        }
        for (key, value) in root {
            switch key.string ?? "" {
            case "rules":
                config.ruleFiles = try strings(value, "rules").map(resolve)
            case "protected":
                config.protectedFiles = try strings(value, "protected").map(resolve)
            case "baseline":
                guard let p = value.string, value.scalar != nil else { throw fail(value, "`baseline` must be a file path") }
                config.baseline = resolve(p)
            case "fail-on":
                guard let s = value.string, let severity = Severity(rawValue: s) else { throw fail(value, "`fail-on` must be block, warn or info") }
                config.failOn = severity
            case "disable":
                config.disable = try strings(value, "disable")
            case "thresholds":
                guard let m = value.mapping else { throw fail(value, "`thresholds` must be a mapping") }
                for (k, v) in m {
                    guard let name = k.string, thresholdKeys.contains(name) else {
                        throw fail(k, "unknown threshold \(RuleSchema.quoted(k.string ?? "?")) (known: \(thresholdKeys.joined(separator: ", ")))")
                    }
                    guard let n = v.int, n >= 0 else { throw fail(v, "`\(name)` must be a whole number >= 0") }
                    set(name, n, in: &config.severity)
                }
            case "lfs":
                guard let m = value.mapping else { throw fail(value, "`lfs` must be a mapping ({required: [\"models/**\"]})") }
                for (k, v) in m {
                    guard k.string == "required" else {
                        throw fail(k, "unknown key \(RuleSchema.quoted(k.string ?? "?")) in `lfs` (known: \(lfsKeys.joined(separator: ", ")))")
                    }
                    guard let list = v.sequence, list.allSatisfy({ $0.scalar != nil }) else {
                        throw fail(v, "`lfs.required` must be a list of path globs")
                    }
                    for item in list {
                        let glob = item.string ?? ""
                        if let problem = globProblem(glob) { throw fail(item, "bad lfs.required glob \(RuleSchema.quoted(glob)): \(problem)") }
                        config.storage.lfsRequired.append(PathPattern(glob))
                    }
                }
            case "max-file-size":
                guard value.scalar != nil, let text = value.string, let bytes = ByteSize.parse(text) else {
                    throw fail(value, "`max-file-size` must be a size above 0 such as 500KB, 5MB, 1.5GiB or a number of bytes")
                }
                config.storage.maxFileSize = bytes
            case "allow":
                guard let list = value.sequence else { throw fail(value, "`allow` must be a list of entries ({path: ..., reason: ...})") }
                for entry in list { config.allow.append(try allowEntry(entry, path: path, fail: fail)) }
            default:
                throw fail(key, "unknown key \(RuleSchema.quoted(key.string ?? "?")) (known: \(keys.joined(separator: ", ")))")
            }
        }
        return config
    }

    static func allowEntry(_ node: Node, path: String, fail: (Node, String) -> ScanError) throws(ScanError) -> AllowEntry {
        guard let m = node.mapping else { throw fail(node, "an `allow` entry must be a mapping ({path: ..., rule: ..., value: ..., reason: ...})") }
        var fields: [String: String] = [:]
        for (k, v) in m {
            guard let name = k.string, allowKeys.contains(name) else {
                throw fail(k, "unknown key \(RuleSchema.quoted(k.string ?? "?")) in an allow entry (known: \(allowKeys.joined(separator: ", ")))")
            }
            guard let s = v.string, v.scalar != nil else { throw fail(v, "`\(name)` must be a string") }
            fields[name] = s
        }
        guard fields["path"] != nil || fields["rule"] != nil || fields["value"] != nil || fields["value-regex"] != nil else {
            throw fail(node, "an allow entry needs at least one of path, rule, value, value-regex")
        }
        for key in ["path", "rule"] {
            if let glob = fields[key], let problem = globProblem(glob) { throw fail(node, "bad \(key) glob \(RuleSchema.quoted(glob)): \(problem)") }
        }
        var regex: PCRE2Pattern?
        if let pattern = fields["value-regex"] {
            do { regex = try PCRE2Pattern(pattern) } catch { throw fail(node, "value-regex does not compile: \(error)") }
        }
        return AllowEntry(path: fields["path"], rule: fields["rule"], value: fields["value"], valueRegex: regex,
                          reason: fields["reason"] ?? "", origin: "\(path):\(line(node))")
    }

    /// What is wrong with a glob, or nil: an unclosed `[`, an empty pattern, a leading `/`.
    static func globProblem(_ glob: String) -> String? {
        if glob.isEmpty { return "empty" }
        if glob.hasPrefix("/") { return "paths are relative to the repository root: drop the leading /" }
        var depth = 0
        for c in glob.utf8 {
            if c == UInt8(ascii: "[") { depth += 1 } else if c == UInt8(ascii: "]"), depth > 0 { depth -= 1 }
        }
        return depth > 0 ? "unclosed [" : nil
    }

    static func line(_ node: Node) -> String { node.mark.map { "\($0.line)" } ?? "?" }

    /// "a/b/.moat.yaml" -> "a/b"; ".moat.yaml" -> "".
    static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
    }

    /// The parent folder, or nil at `/`; relative paths climb through `..`.
    static func parent(of dir: String) -> String? {
        if dir == "/" { return nil }
        if dir == "." || dir.hasSuffix("/..") || dir == ".." {
            var buf = [CChar](repeating: 0, count: 4096)
            guard realpath(dir, &buf) != nil else { return nil }
            let absolute = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return parent(of: absolute)
        }
        let d = directory(of: dir)
        return d.isEmpty ? "." : d
    }
}
