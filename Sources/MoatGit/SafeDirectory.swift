import CGit2
import MoatBytes

/// git's `safe.directory` rule, for what libgit2 1.5 does not implement: the values `*` (trust
/// every repository) and `dir/*` (every repository under `dir`). Read, like git, from the system,
/// global and XDG configuration only (never from the repository's own), in order, an empty value
/// clearing the list.
enum SafeDirectory {
    /// Whether the user's configuration trusts the repository at `location` (its work tree, or
    /// its git directory when bare).
    static func trusts(_ location: PathBytes) -> Bool {
        trusts(location, values: configuredValues())
    }

    static func trusts(_ location: PathBytes, values: [String]) -> Bool {
        var list: [String] = []
        for v in values {
            if v.isEmpty { list.removeAll() } else { list.append(v) }
        }
        let path = location.withoutTrailingSlash.description
        return list.contains { value in
            if value == "*" { return true }
            if value.hasSuffix("/*") {
                let prefix = String(value.dropLast(1))
                return path.hasPrefix(prefix)
            }
            return false
        }
    }

    /// Every `safe.directory` value of the default (system, XDG, global) configuration, in order.
    static func configuredValues() -> [String] {
        var config: OpaquePointer?
        guard git_config_open_default(&config) == 0, let config else { return [] }
        defer { git_config_free(config) }
        var iterator: OpaquePointer?
        guard git_config_multivar_iterator_new(&iterator, config, "safe.directory", nil) == 0, let iterator else { return [] }
        defer { git_config_iterator_free(iterator) }
        var values: [String] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while git_config_next(&entry, iterator) == 0, let e = entry {
            values.append(e.pointee.value.map { String(cString: $0) } ?? "")
        }
        return values
    }
}
