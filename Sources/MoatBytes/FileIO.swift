#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls moat reads and writes files with, retried when a signal interrupts them
/// (`EINTR`) and looped over short transfers, so no caller writes its own loop.
public enum FileIO {
    /// `open(2)` of a byte path; -1 with `errno` set on failure.
    public static func open(_ path: PathBytes, _ flags: Int32, mode: mode_t = 0) -> Int32 {
        var cpath = path.bytes.map { CChar(bitPattern: $0) }
        cpath.append(0)
        while true {
            let fd = systemOpen(cpath, flags, mode)
            if fd < 0 && errno == EINTR { continue }
            return fd
        }
    }

    /// Fills `buffer` from `offset` with `pread(2)`: the bytes read, fewer only at the end of the
    /// file, or -1 on an I/O error.
    public static func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        guard let base = buffer.baseAddress, offset >= 0 else { return buffer.isEmpty ? 0 : -1 }
        var done = 0
        while done < buffer.count {
            let n = systemPread(fd, base + done, buffer.count - done, off_t(offset + done))
            if n < 0 { if errno == EINTR { continue }; return -1 }
            if n == 0 { break }  // the end of the file (it may have shrunk under us)
            done += n
        }
        return done
    }

    /// Fills `buffer` with `read(2)` (pipes, terminals): the bytes read, fewer only at the end of
    /// the input, or -1 on an I/O error.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = systemRead(fd, base + done, buffer.count - done)
            if n < 0 { if errno == EINTR { continue }; return -1 }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes all of `bytes`; false on an error (`errno` set).
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, base + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// Up to `count` bytes from `offset` of an open file: fewer only at its end; nil on an error.
    public static func pread(_ fd: Int32, count: Int, at offset: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var failed = false
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let n = pread(fd, into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            failed = n < 0
            initialized = max(n, 0)
        }
        return failed ? nil : out
    }

    /// Maps the regular file at `path` read-only: its address and size, to release with
    /// `munmap`; nil when it cannot be opened, is not a regular file, is smaller than
    /// `minimumSize`, or cannot be mapped. Mapping costs address space, not memory: pack files
    /// and their indexes are read this way. With `populate`, every page already in the page cache
    /// is mapped at once (`MAP_POPULATE` on Linux) instead of one fault every few pages: for a file
    /// that is read whole right away.
    public static func mapReadOnly(_ path: PathBytes, minimumSize: Int = 1, populate: Bool = false) -> (address: UnsafeMutableRawPointer, size: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= max(minimumSize, 1), st.st_size < Int64(Int.max / 2)
        else { return nil }
        let size = Int(st.st_size)
        var flags = MAP_PRIVATE
        #if os(Linux)
        if populate { flags |= MAP_POPULATE }
        #endif
        guard let map = mmap(nil, size, PROT_READ, flags, fd, 0), map != MAP_FAILED else { return nil }
        return (map, size)
    }

    /// The first `limit` bytes of the file at `path` (following symlinks); nil when it cannot be
    /// opened or read.
    public static func readPrefix(_ path: PathBytes, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return pread(fd, count: limit, at: 0)
    }
}

// The C calls under names the members above do not shadow.
private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemPread(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int, _ at: off_t) -> Int { pread(fd, p, n, at) }
private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
