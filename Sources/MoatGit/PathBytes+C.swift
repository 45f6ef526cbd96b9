#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

extension PathBytes {
    /// Copies a NUL-terminated C path.
    init(cString: UnsafePointer<CChar>) {
        self.init(Array(UnsafeRawBufferPointer(start: cString, count: strlen(cString))))
    }

    /// The path as a NUL-terminated C string, for passing to C (`[CChar]` bridges to `const char *`).
    var cString: [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    /// The path without trailing slashes ("/" stays "/").
    var withoutTrailingSlash: PathBytes {
        var b = bytes
        while b.count > 1, b.last == UInt8(ascii: "/") { b.removeLast() }
        return PathBytes(b)
    }

    var isAbsolute: Bool { bytes.first == UInt8(ascii: "/") }

    /// The process's current directory.
    static func currentDirectory() -> PathBytes? {
        guard let p = getcwd(nil, 0) else { return nil }
        defer { free(p) }
        return PathBytes(cString: p)
    }

    /// The canonical absolute path (symlinks resolved), or nil when it does not exist.
    var resolved: PathBytes? {
        guard let p = realpath(cString, nil) else { return nil }
        defer { free(p) }
        return PathBytes(cString: p)
    }

    /// This path made absolute against the current directory, without resolving symlinks.
    var absolute: PathBytes {
        if isAbsolute { return self }
        return (PathBytes.currentDirectory() ?? PathBytes("/")).appending(bytes)
    }
}
