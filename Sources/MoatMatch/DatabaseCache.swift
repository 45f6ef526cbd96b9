#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder of cached, serialized vectorscan databases, so that the 0.3-0.8 s compile happens once
/// per rule set, library version and CPU, not once per run.
///
/// Entries are named by a hash of their key; each file also holds the full key, which a load
/// compares, so a hash collision or a foreign file is never mistaken for a hit. Writes are atomic
/// (a temporary file renamed into place), and anything unreadable or mismatched counts as a miss.
public struct DatabaseCache: Sendable {
    /// The folder the entries live in (created on the first store).
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `$XDG_CACHE_HOME/moat`, else `$HOME/.cache/moat`; nil when neither variable is set.
    public static var defaultDirectory: String? {
        if let xdg = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), xdg.hasPrefix("/") { return xdg + "/moat" }
        if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty { return home + "/.cache/moat" }
        return nil
    }

    /// The default cache, if a folder for it is known.
    public static var standard: DatabaseCache? { defaultDirectory.map(DatabaseCache.init(directory:)) }

    static let magic = Array("moat-vectorscan-cache\n".utf8)

    /// The file an entry with this key lives in.
    public func path(forKey key: [UInt8]) -> String {
        var hash = StableHash()
        hash.update(key)
        return directory + "/vectorscan-" + hash.hex + ".db"
    }

    /// The payload stored under `key`, or nil when missing, unreadable or stored under another key.
    public func load(key: [UInt8]) -> [UInt8]? {
        withPayload(key: key) { Array($0) }
    }

    /// Calls `body` with the payload stored under `key`, read in place from the mapped file (no
    /// copy: the pre-commit hook maps its 0.7 MB database instead of reading it twice); nil when
    /// the entry is missing, unreadable or stored under another key. The buffer is valid only
    /// during the call. Entries are replaced by rename, never rewritten in place, so the mapped
    /// file does not change under the reader.
    public func withPayload<R>(key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R?) rethrows -> R? {
        guard let file = FileIO.MappedFile(path(forKey: key)) else { return nil }
        defer { file.unmap() }
        let raw = file.bytes
        guard raw.count >= Self.magic.count, raw[0..<Self.magic.count].elementsEqual(Self.magic) else { return nil }
        var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[Self.magic.count...]))
        guard let storedKey = reader.blob(), storedKey.count == key.count,
              key.withUnsafeBytes({ $0.isEmpty || memcmp($0.baseAddress!, storedKey.baseAddress!, $0.count) == 0 }),
              let payload = reader.blob() else { return nil }
        return try body(payload)
    }

    /// Stores `payload` under `key`, atomically. Returns false when the folder or file cannot be
    /// written (a read-only home is not an error: the next run compiles again).
    @discardableResult
    public func store(key: [UInt8], payload: [UInt8]) -> Bool {
        var writer = ByteWriter()
        writer.bytes = Self.magic
        writer.blob(key)
        writer.blob(payload)
        guard FileIO.makeDirectories(directory) else { return false }
        return FileIO.writeAtomically(writer.bytes, to: path(forKey: key))
    }
}

/// The few file operations the cache needs, without Foundation.
enum FileIO {
    /// A regular file mapped read-only (an empty or unmappable file is nil).
    struct MappedFile {
        let bytes: UnsafeRawBufferPointer

        init?(_ path: String) {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            let size = Int(info.st_size)
            guard size > 0, size < 1 << 30 else { return nil }
            #if os(Linux)
            let flags = MAP_PRIVATE | MAP_POPULATE  // one fault-in pass instead of a fault per few pages
            #else
            let flags = MAP_PRIVATE
            #endif
            guard let base = mmap(nil, size, PROT_READ, flags, fd, 0), base != MAP_FAILED else { return nil }
            bytes = UnsafeRawBufferPointer(start: base, count: size)
        }

        func unmap() { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
    }

    static func makeDirectories(_ path: String) -> Bool {
        var info = stat()
        if stat(path, &info) == 0 { return (info.st_mode & S_IFMT) == S_IFDIR }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            guard makeDirectories(String(path[..<slash])) else { return false }
        }
        return mkdir(path, 0o755) == 0 || errno == EEXIST
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) -> Bool {
        var random = SystemRandomNumberGenerator()
        let temporary = path + ".tmp-\(getpid())-\(String(random.next() as UInt64, radix: 36))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        var done = 0
        let ok = bytes.withUnsafeBytes { p -> Bool in
            while done < p.count {
                let n = write(fd, p.baseAddress! + done, p.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        if close(fd) != 0 || !ok {
            unlink(temporary)
            return false
        }
        if rename(temporary, path) != 0 {
            unlink(temporary)
            return false
        }
        return true
    }
}
