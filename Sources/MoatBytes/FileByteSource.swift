#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file on disk, read with `pread` so only the ranges asked for are touched.
public final class FileByteSource: ByteSource {
    public let size: Int
    public private(set) var bytesRead = 0
    private let fd: Int32
    public var isRandomAccess: Bool { true }

    /// Opens a regular file without following a final symlink. Throws with the reason on failure.
    public init(path: PathBytes) throws(FileError) {
        let fd = FileIO.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw FileError(path: path, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw FileError(path: path, errno: e) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { close(fd); throw FileError(path: path, reason: "not a regular file") }
        self.fd = fd
        self.size = Int(st.st_size)
    }

    deinit { close(fd) }

    public func read(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size else { return nil }
        let n = min(count, size - offset)
        if n == 0 { return [] }
        guard let out = FileIO.pread(fd, count: n, at: offset) else { return nil }
        let done = out.count  // fewer when the file shrank under us
        bytesRead += done
        return out
    }
}

/// Why a file could not be read.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let path: PathBytes
    public let reason: String
    public init(path: PathBytes, reason: String) { self.path = path; self.reason = reason }
    public init(path: PathBytes, errno code: Int32) {
        self.path = path
        self.reason = String(cString: strerror(code))
    }
    public var description: String { "\(path): \(reason)" }
}
