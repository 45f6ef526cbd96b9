#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

// Small POSIX helpers for the hook files (paths are bytes, so no Foundation).

/// Whether anything (even a dangling symlink) is at `path`.
func exists(_ path: PathBytes) -> Bool {
    var info = stat()
    return lstat(path.cString, &info) == 0
}

/// The first `limit` bytes of a file, following symlinks; nil when it cannot be read.
func readPrefix(_ path: PathBytes, limit: Int = 64 << 10) -> [UInt8]? { FileIO.readPrefix(path, limit: limit) }

/// Writes `bytes` to `path` with mode 0755, atomically: a temporary file beside it is renamed over it.
func writeExecutable(_ bytes: [UInt8], to path: PathBytes) throws(GitError) {
    let temporary = PathBytes(path.bytes + Array(".moat-tmp".utf8))
    let fd = FileIO.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode: 0o755)
    guard fd >= 0 else { throw fileError("cannot write \(temporary)") }
    guard bytes.withUnsafeBytes({ FileIO.write(fd, $0) }) else {
        let e = fileError("cannot write \(temporary)"); close(fd); unlink(temporary.cString); throw e
    }
    if fchmod(fd, 0o755) != 0 || close(fd) != 0 {
        let e = fileError("cannot write \(temporary)")
        unlink(temporary.cString)
        throw e
    }
    guard rename(temporary.cString, path.cString) == 0 else {
        let e = fileError("cannot write \(path)")
        unlink(temporary.cString)
        throw e
    }
}

/// Creates `path` and any missing parents (like `mkdir -p`).
func makeDirectories(_ path: PathBytes) throws(GitError) {
    var prefix: [UInt8] = []
    for component in path.bytes.split(separator: UInt8(ascii: "/")) {
        if !prefix.isEmpty || path.isAbsolute { prefix.append(UInt8(ascii: "/")) }
        prefix.append(contentsOf: component)
        let directory = PathBytes(prefix)
        if mkdir(directory.cString, 0o755) != 0 && errno != EEXIST { throw fileError("cannot create \(directory)") }
    }
}

/// A `GitError` for the failed system call that just set `errno`.
func fileError(_ what: String) -> GitError {
    GitError(message: "\(what): \(String(cString: strerror(errno)))")
}
