#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// Object directories git names in the environment, besides the repository's own.
///
/// git runs a pre-receive hook with the pushed objects in a quarantine directory
/// (`GIT_QUARANTINE_PATH`), named by `GIT_OBJECT_DIRECTORY`, with the repository's own objects in
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES`. libgit2 honours both only when a repository is opened from
/// the environment, and moat's own pack and loose readers start from the repository's objects
/// directory: without this list they would not see a single pushed object.
enum ObjectDirectories {
    /// `GIT_OBJECT_DIRECTORY` then the entries of `GIT_ALTERNATE_OBJECT_DIRECTORIES`, absolute.
    static func fromEnvironment() -> [PathBytes] {
        var result: [PathBytes] = []
        if let dir = getenv("GIT_OBJECT_DIRECTORY"), dir.pointee != 0 { result.append(PathBytes(cString: dir)) }
        if let list = getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
            result += parseList(Array(UnsafeRawBufferPointer(start: list, count: strlen(list))))
        }
        return unique(result.map { $0.absolute.withoutTrailingSlash })
    }

    /// A `GIT_ALTERNATE_OBJECT_DIRECTORIES` value: entries separated by `:`; an entry that starts
    /// with `"` is C-quoted (git quotes paths holding `:` or `"` that way).
    static func parseList(_ value: [UInt8]) -> [PathBytes] {
        var result: [PathBytes] = []
        var i = 0
        while i < value.count {
            var entry: [UInt8] = []
            if value[i] == UInt8(ascii: "\"") {
                i += 1
                while i < value.count, value[i] != UInt8(ascii: "\"") {
                    if value[i] == UInt8(ascii: "\\"), i + 1 < value.count { i += 1 }
                    entry.append(value[i])
                    i += 1
                }
                i += 1  // the closing quote
                while i < value.count, value[i] != UInt8(ascii: ":") { i += 1 }
            } else {
                while i < value.count, value[i] != UInt8(ascii: ":") { entry.append(value[i]); i += 1 }
            }
            i += 1  // the separator
            if !entry.isEmpty { result.append(PathBytes(entry)) }
        }
        return result
    }

    /// `extra`, then `own` and its alternates, each directory once (compared after resolving
    /// symlinks): the directories moat's own readers search.
    static func merge(_ extra: [PathBytes], withOwn own: PathBytes) -> [PathBytes] {
        unique(extra + [own] + PackStore.alternates(of: own))
    }

    /// `dirs` without `own` (compared after resolving symlinks).
    static func excluding(_ own: PathBytes, from dirs: [PathBytes]) -> [PathBytes] {
        let ownKey = own.resolved ?? own.absolute
        return dirs.filter { ($0.resolved ?? $0.absolute) != ownKey }
    }

    private static func unique(_ dirs: [PathBytes]) -> [PathBytes] {
        var seen = Set<PathBytes>()
        return dirs.filter { seen.insert($0.resolved ?? $0.absolute).inserted }
    }
}
