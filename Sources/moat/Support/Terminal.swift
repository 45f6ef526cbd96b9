#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-level I/O without Foundation: raw writes to fds 1 and 2, exit, terminal detection.
enum Terminal {
    static func writeOut(_ s: String) { write(fd: 1, s) }
    static func writeErr(_ s: String) { write(fd: 2, s) }

    /// "moat: error: <message>" on stderr.
    static func error(_ message: String) { writeErr("moat: error: \(message)\n") }
    /// "moat: warning: <message>" on stderr.
    static func warning(_ message: String) { writeErr("moat: warning: \(message)\n") }

    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Whether colour is wanted on `fd`: a terminal, and NO_COLOR unset.
    static func wantsColor(_ fd: Int32) -> Bool { isTerminal(fd) && getenv("NO_COLOR") == nil && String(cString: getenv("TERM") ?? strdup("")) != "dumb" }

    static func exit(_ code: Int32) -> Never { Glibc.exit(code) }

    /// Writes all of `s`; returns the errno of a failed write (a full disk, a closed pipe), nil on success.
    @discardableResult
    static func write(fd: Int32, _ s: String) -> Int32? {
        var s = s
        return s.withUTF8 { buf -> Int32? in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                off += n
            }
            return nil
        }
    }

    /// Writes the report on standard output; a failed write is an error (exit 2), never a silent pass.
    static func writeReport(_ s: String) throws(MoatError) {
        if let code = write(fd: 1, s) { throw MoatError("cannot write the report to standard output: \(String(cString: strerror(code)))") }
    }

    /// All of standard input, as bytes (for the pre-push hook's ref lines).
    static func readStandardInput() -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > 16 << 20 { break }  // a push never has that many refs
        }
        return out
    }

    /// Writes `s` to a new file (replacing it). Throws with the reason.
    static func writeFile(_ path: String, _ s: String) throws(MoatError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MoatError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        let failed = write(fd: fd, s)
        // close reports what a delayed write (NFS, quota) could not do.
        let closed = close(fd) == 0 ? nil : errno
        if let code = failed ?? closed { throw MoatError("cannot write '\(path)': \(String(cString: strerror(code)))") }
    }

    /// Monotonic milliseconds, for durations.
    static func milliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
    }

    /// The absolute path of the running executable.
    static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `git -C DIR`: changes directory or fails with git's wording.
    static func changeDirectory(_ dir: String) throws(MoatError) {
        guard chdir(dir) == 0 else { throw MoatError("cannot change to '\(dir)': \(String(cString: strerror(errno)))") }
    }
}

/// A runtime error with a one-line reason: printed as "moat: error: <reason>", exit status 2.
struct MoatError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
