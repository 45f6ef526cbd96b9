import CGit2
import MoatBytes
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads loose objects (`objects/xx/yyyy…`) for libgit2, in place of libgit2 1.5's own loose
/// reader, which loops forever on a truncated object (libgit2 issue #7342, fixed after 1.5) and
/// can write past its buffer when an object's header declares less than its content (#7177). A
/// half-written object (a full disk during `git add`) would hang the pre-commit hook.
///
/// Registered on every repository moat opens, next to the pack backend and before libgit2's loose
/// one: an object that is loose is answered here (or refused as corrupt, with a one-line reason),
/// anything else falls through to the other backends. The whole file is read (bounded by its real
/// size), the `<type> <size>\0` header is inflated first, and the content must inflate to exactly
/// the declared size, which must itself be reachable from the file's size. Big loose blobs are
/// streamed by the same reader (`stream`), never by libgit2's loose stream, which also hangs on a
/// truncated object.
enum LooseObjectBackend {
    /// Adds the backend for `objectsDirectory` to `odb`.
    static func install(on odb: OpaquePointer, objectsDirectory: UnsafePointer<CChar>) -> Bool {
        // Priority 2, added after the packs (also 2): libgit2 sorts stably, so packs are asked first.
        addOdbBackend(moat_loose_backend(), to: odb, priority: 2) { backend in
            backend.pointee.objects_dir = strdup(objectsDirectory)
            backend.pointee.parent.read = looseRead
            backend.pointee.parent.read_header = looseReadHeader
            backend.pointee.parent.free = looseFree
        }
    }

    /// The most a loose object may inflate to here (bigger ones fall through to libgit2).
    static let maxObjectSize = 1 << 30

    enum Outcome {
        /// No loose file for the id.
        case absent
        /// A loose file this reader leaves to libgit2 (over the size limit).
        case notHere
        case corrupt(String)
        case object(type: git_object_t, header: Int, size: Int, file: [UInt8])
    }

    /// Reads the file of `id` and parses its header. With `headerOnly`, only the file's first 64 KiB
    /// are read (git writes the header in the first bytes) and `file` holds just those.
    static func open(_ dir: UnsafePointer<CChar>, _ id: UnsafePointer<git_oid>, headerOnly: Bool,
                     sizeLimit: Int = maxObjectSize) -> Outcome {
        var hex = [CChar](repeating: 0, count: 41)
        git_oid_fmt(&hex, id)
        // <objects>/xx/yyyy…, from the raw bytes of the directory (it need not be UTF-8).
        let hexDigits = hex[0..<40].map { UInt8(bitPattern: $0) }
        let location = PathBytes(cString: dir).appending(Array(hexDigits[0..<2])).appending(Array(hexDigits[2...]))
        let path = location.description
        // O_NONBLOCK: a FIFO in place of an object must not block the open (regular files read as usual).
        let fd = FileIO.open(location, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return errno == ENOENT || errno == ENOTDIR ? .absent : .corrupt("cannot open loose object \(path)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .notHere }
        // Anything but a file (a FIFO, a device) is refused here: libgit2 would block opening it.
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .corrupt("loose object \(path) is not a regular file") }
        let size = Int(st.st_size)
        guard headerOnly || size < Int(Int32.max) else { return .notHere }
        let wanted = headerOnly ? min(size, 64 << 10) : size
        guard let file = FileIO.pread(fd, count: wanted, at: 0), file.count == wanted else {
            return .corrupt("cannot read loose object \(path)")
        }
        // Not zlib. libgit2 1.5 would take it for the pack-like loose format of early git and loop
        // forever on a cut stream (found by fuzzing: one flipped bit in the first byte does it), so
        // it never sees the file. git writes every loose object as a zlib stream.
        guard wanted >= 2, file[0] & 0x0F == 8, (UInt16(file[0]) << 8 | UInt16(file[1])) % 31 == 0 else {
            return .corrupt("corrupt loose object \(path): not a zlib stream")
        }
        guard let head = file.withUnsafeBytes({ Inflater()?.prefix($0, wrapper: .zlib, count: 64) }) else { return .corrupt("corrupt loose object \(path): not a zlib stream") }
        guard let nul = head.firstIndex(of: 0), let space = head[..<nul].firstIndex(of: 0x20) else {
            return .corrupt("corrupt loose object \(path): no header")
        }
        let typeName = String(decoding: head[..<space], as: UTF8.self)
        let type: git_object_t
        switch typeName {
        case "commit": type = GIT_OBJECT_COMMIT
        case "tree": type = GIT_OBJECT_TREE
        case "blob": type = GIT_OBJECT_BLOB
        case "tag": type = GIT_OBJECT_TAG
        default: return .corrupt("corrupt loose object \(path): unknown type")
        }
        let digits = head[(space + 1)..<nul]
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let declared = Int(String(decoding: digits, as: UTF8.self)) else {
            return .corrupt("corrupt loose object \(path): bad size")
        }
        guard declared <= size * 1032 + 64 else { return .corrupt("corrupt loose object \(path): size larger than its file allows") }
        guard declared <= sizeLimit else { return .notHere }
        return .object(type: type, header: nul + 1, size: declared, file: file)
    }

    /// Inflates the whole object into `buffer` (header + content): true when it is exactly that long.
    static func inflateWhole(_ file: [UInt8], into buffer: UnsafeMutableRawPointer, count: Int) -> Bool {
        guard let inflater = Inflater() else { return false }
        return file.withUnsafeBytes { inflater.whole($0, into: UnsafeMutableRawBufferPointer(start: buffer, count: count)) }
    }

    /// A sequential source over loose blob `id`, found in the first of `directories` holding it,
    /// inflated on demand from the file (64 KiB of compressed input at a time) and holding at most
    /// `cap` bytes; nil when no directory holds it loose or it is not a blob this reader accepts.
    /// Every read is bounded by the file's real size: a truncated or corrupt object ends the
    /// stream with `readFailure` set, it never loops.
    static func stream(_ id: ObjectID, in directories: [PathBytes], cap: Int) -> StreamByteSource? {
        var oid = id.oid
        for dir in directories {
            let outcome = dir.cString.withUnsafeBufferPointer { open($0.baseAddress!, &oid, headerOnly: true, sizeLimit: Int.max) }
            switch outcome {
            case .absent: continue
            case .notHere, .corrupt: return nil
            case let .object(type, header, size, _):
                guard type == GIT_OBJECT_BLOB else { return nil }
                let hex = Array(id.hex.utf8)
                let path = dir.appending(Array(hex[0..<2])).appending(Array(hex[2...]))
                let fd = FileIO.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
                guard fd >= 0 else { return nil }
                let file = LooseFile(fd)
                var cursor = 0
                guard let inflater = InflateStream(wrapper: .zlib, refill: { buffer in
                    let n = FileIO.pread(file.fd, into: buffer, at: cursor)
                    if n > 0 { cursor += n }
                    return n
                }) else { return nil }
                // Skip the `<type> <size>\0` header: the content starts after it.
                var skipped: [UInt8] = []
                guard inflater.inflate(appendingTo: &skipped, upTo: header) == header else { return nil }
                let pull = inflater.pull(declaredSize: size)
                return StreamByteSource(size: size, cap: cap) { buffer, wanted in
                    withExtendedLifetime(file) { pull(&buffer, wanted) }
                }
            }
        }
        return nil
    }
}

/// An open loose-object file, closed when the stream reading it goes away.
private final class LooseFile {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

private func fail(_ message: String) -> Int32 {
    git_error_set_str(Int32(GIT_ERROR_ODB.rawValue), message)
    return GIT_ERROR.rawValue
}

/// The loose object `id` in the backend's directory.
private func lookUp(_ backend: UnsafeMutablePointer<git_odb_backend>, _ id: UnsafePointer<git_oid>,
                    headerOnly: Bool) -> LooseObjectBackend.Outcome {
    let own = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: moat_loose_backend.self)
    return LooseObjectBackend.open(own.pointee.objects_dir, id, headerOnly: headerOnly)
}

extension LooseObjectBackend.Outcome {
    /// What a callback returns when there is no object to hand over: not found (libgit2 asks the
    /// next backend), passthrough (the same, for files left to libgit2), or an error with its reason.
    var failureCode: Int32 {
        switch self {
        case .absent: return GIT_ENOTFOUND.rawValue
        case .notHere: return GIT_PASSTHROUGH.rawValue
        case .corrupt(let why): return fail(why)
        case .object: return 0
        }
    }
}

private let looseRead: @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<Int>?,
                                       UnsafeMutablePointer<git_object_t>?, UnsafeMutablePointer<git_odb_backend>?,
                                       UnsafePointer<git_oid>?) -> Int32 = { data, length, type, backend, id in
    guard let data, let length, let type, let backend, let id else { return GIT_ERROR.rawValue }
    let outcome = lookUp(backend, id, headerOnly: false)
    guard case let .object(objectType, header, size, file) = outcome else { return outcome.failureCode }
    guard let buffer = git_odb_backend_data_alloc(backend, header + size) else { return fail("out of memory") }
    guard LooseObjectBackend.inflateWhole(file, into: buffer, count: header + size) else {
        git_odb_backend_data_free(backend, buffer)
        return fail("corrupt loose object \(ObjectID(id.pointee)): its content does not inflate to its declared size")
    }
    if header > 0 { memmove(buffer, buffer + header, size) }
    data.pointee = buffer
    length.pointee = size
    type.pointee = objectType
    return 0
}

private let looseReadHeader: @convention(c) (UnsafeMutablePointer<Int>?, UnsafeMutablePointer<git_object_t>?,
                                             UnsafeMutablePointer<git_odb_backend>?, UnsafePointer<git_oid>?) -> Int32 = { length, type, backend, id in
    guard let length, let type, let backend, let id else { return GIT_ERROR.rawValue }
    let outcome = lookUp(backend, id, headerOnly: true)
    guard case let .object(objectType, _, size, _) = outcome else { return outcome.failureCode }
    length.pointee = size
    type.pointee = objectType
    return 0
}

private let looseFree: @convention(c) (UnsafeMutablePointer<git_odb_backend>?) -> Void = { backend in
    guard let backend else { return }
    let own = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: moat_loose_backend.self)
    free(own.pointee.objects_dir)
    own.deinitialize(count: 1)
    own.deallocate()
}
