#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// Lists the regular files under the paths given to `moat scan`, in name order.
///
/// - File names are raw bytes (they need not be UTF-8); directories are read with `readdir`.
/// - Symlinks are never followed, not even one given as an argument: they are counted in
///   `skippedSymlinks`, and a broken one is reported as a problem.
/// - Entries named `.git` are never entered or listed.
/// - Inside a git work tree, paths git ignores are skipped unless `respectIgnore` is false; an
///   ignored directory is skipped whole, without being read. Files git tracks although ignored
///   (`git add -f`) are walked: they are in every commit. A path given explicitly is walked
///   even when it is ignored itself (the rules then do not apply below it). Outside any work tree
///   there are no ignore rules.
/// - Deep trees are walked with an explicit stack, not recursion.
///
/// Problems (unreadable directories, broken symlinks, missing arguments) go to `onProblem`; the
/// walk goes on.
public final class WorkTreeWalker {
    /// Whether .gitignore rules are applied.
    public let respectIgnore: Bool
    /// Symlinks met and skipped so far.
    public private(set) var skippedSymlinks = 0
    /// Files and directories skipped because git ignores them (an ignored directory counts once).
    public private(set) var ignoredEntries = 0
    /// FIFOs, sockets and devices met (never opened).
    public private(set) var specialFiles = 0

    private let onProblem: (WalkProblem) -> Void

    public init(respectIgnore: Bool = true, onProblem: @escaping (WalkProblem) -> Void) {
        self.respectIgnore = respectIgnore
        self.onProblem = onProblem
    }

    /// Calls `visit` for every regular file at or under `argument` (a path as the user typed it,
    /// relative to the current directory or absolute). Files are shown under `shownAs` (the
    /// argument relative to the scan's root, `ScanRoot`), or else under the argument as typed.
    public func walk(_ argument: PathBytes, shownAs: PathBytes? = nil, _ visit: (WalkedFile) throws -> Void) rethrows {
        let absolute = argument.absolute
        let shown = shownAs ?? argument
        guard let root = examine(shown: shown, absolute: absolute, repoPath: nil, rules: nil, explicit: true) else { return }
        if !root.isDirectory {
            try visit(WalkedFile(path: shown, absolutePath: absolute, size: root.size))
            return
        }
        let rules = respectIgnore ? ignoreRules(for: root) : nil
        var stack = [root.with(repoPath: rules?.path)]
        while let item = stack.popLast() {
            guard item.isDirectory else {
                try visit(WalkedFile(path: item.shown, absolutePath: item.absolute, size: item.size))
                continue
            }
            guard let names = listDirectory(item) else { continue }
            var children: [Entry] = []
            for name in names where name != Array(".git".utf8) {
                if let child = examine(shown: item.shown.appending(name), absolute: item.absolute.appending(name),
                                       repoPath: item.repoPath.map { $0.appending(name) }, rules: rules?.rules, explicit: false) {
                    children.append(child)
                }
            }
            stack.append(contentsOf: children.reversed())
        }
    }

    /// One file or directory to visit.
    private struct Entry {
        let shown: PathBytes
        let absolute: PathBytes
        /// The path relative to the work tree root, when ignore rules apply.
        let repoPath: PathBytes?
        let isDirectory: Bool
        let size: Int

        func with(repoPath: PathBytes?) -> Entry {
            Entry(shown: shown, absolute: absolute, repoPath: repoPath, isDirectory: isDirectory, size: size)
        }
    }

    /// `lstat`s a path: an entry for a regular file or directory, nil (after counting or reporting)
    /// for anything else or anything ignored.
    private func examine(shown: PathBytes, absolute: PathBytes, repoPath: PathBytes?, rules: IgnoreRules?, explicit: Bool) -> Entry? {
        var info = stat()
        guard lstat(absolute.cString, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            onProblem(.inaccessible(shown, reason: reason))
            return nil
        }
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            skippedSymlinks += 1
            var target = stat()
            if stat(absolute.cString, &target) != 0 { onProblem(.brokenSymlink(shown)) }
            return nil
        case S_IFREG, S_IFDIR:
            // A file git tracks is the repository's content even when .gitignore matches it
            // (`git add -f`): it is walked, and so is an ignored folder holding one.
            if !explicit, let rules, let repoPath, rules.isIgnored(repoPath),
               !rules.isTracked(repoPath, orHoldsTracked: info.st_mode & S_IFMT == S_IFDIR) {
                ignoredEntries += 1
                return nil
            }
            if explicit, shown.fileName == Array(".git".utf8) { return nil }
            return Entry(shown: shown, absolute: absolute, repoPath: repoPath, isDirectory: info.st_mode & S_IFMT == S_IFDIR,
                         size: Int(info.st_size))
        default:
            // Never opened: a FIFO would block the scan, a device could be endless. Said, not silent.
            specialFiles += 1
            let kind: String
            switch info.st_mode & S_IFMT {
            case S_IFIFO: kind = "FIFO"
            case S_IFSOCK: kind = "socket"
            case S_IFCHR: kind = "character device"
            case S_IFBLK: kind = "block device"
            default: kind = "special file"
            }
            onProblem(.notARegularFile(shown, kind: kind))
            return nil
        }
    }

    /// The ignore rules for the tree under `root` and its path in the work tree; nil when it is in
    /// no work tree or is ignored itself (it was asked for explicitly).
    private func ignoreRules(for root: Entry) -> (rules: IgnoreRules, path: PathBytes)? {
        guard let canonical = root.absolute.resolved else { return nil }
        do {
            guard let rules = try IgnoreRules.containing(canonical), let path = rules.relative(canonical),
                  !rules.isIgnored(path) else { return nil }
            return (rules, path)
        } catch {
            onProblem(.ignoreRulesUnavailable(root.shown, reason: error.message))
            return nil
        }
    }

    /// The names in a directory except `.` and `..`, sorted bytewise; nil (after reporting) when it
    /// cannot be read.
    private func listDirectory(_ directory: Entry) -> [[UInt8]]? {
        guard let handle = opendir(directory.absolute.cString) else {
            onProblem(.unreadableDirectory(directory.shown, reason: String(cString: strerror(errno))))
            return nil
        }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(handle) else {
                if errno != 0 {
                    onProblem(.unreadableDirectory(directory.shown, reason: String(cString: strerror(errno))))
                    return nil
                }
                break
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
