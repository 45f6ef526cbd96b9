#if canImport(Glibc)
import Glibc
#endif
import MoatBytes
import MoatCore
import MoatGit

/// Files and directories on disk (`moat scan`): walked with `.gitignore` honoured inside a work
/// tree, symlinks never followed.
public enum WorkTreeInputs {
    /// The files under `paths`, with what the walk skipped or could not read recorded in `result`,
    /// and `result.root` set to their `ScanRoot` (paths are relative to it, as in `staged` and
    /// `history`). A path the user named that does not exist is an error: a typo in a CI command
    /// must not pass as "nothing found".
    public static func collect(_ paths: [String], respectIgnore: Bool, into result: inout ScanResult) throws(ScanError) -> InputBatch {
        for path in paths {
            var st = stat()
            if lstat(path, &st) != 0 { throw ScanError("cannot scan '\(path)': \(String(cString: strerror(errno)))") }
        }
        let root = ScanRoot(paths.map { PathBytes($0) })
        result.root = root.path.description
        var warnings: [String] = []
        var broken = 0
        let walker = WorkTreeWalker(respectIgnore: respectIgnore) { problem in
            warnings.append(problem.description)
            if case .brokenSymlink = problem { broken += 1 }
        }
        var inputs: [ScanInput] = []
        for (path, shown) in zip(paths, root.relative) {
            walker.walk(PathBytes(path), shownAs: shown) { file in
                inputs.append(ScanInput(path: file.path, size: file.size, origin: .file(absolutePath: file.absolutePath)))
            }
        }
        result.warnings += warnings
        result.skip(.brokenSymlinks, count: broken)
        result.skip(.symlinks, count: walker.skippedSymlinks)
        result.skip(.ignored, count: walker.ignoredEntries)
        result.skip(.specialFiles, count: walker.specialFiles)
        return InputBatch(inputs: inputs, reader: FileReader())
    }
}
