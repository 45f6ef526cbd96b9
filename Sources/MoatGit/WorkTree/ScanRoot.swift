#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatBytes

/// The folder `moat scan` reports paths from, so a file has one path whichever way it was asked
/// for (`moat scan .`, `moat scan /abs/repo`, `moat scan sub/dir`, from any folder) and the same
/// path as in `moat staged` and `moat history`: the root of the git work tree when every argument
/// is inside the same one, else the deepest folder holding every argument (the folder itself when
/// one folder is scanned). Symlinks in the arguments' folders are resolved; an argument that is a
/// symlink itself is not (the walk skips it).
public struct ScanRoot: Sendable {
    /// Canonical and absolute.
    public let path: PathBytes
    /// Whether `path` is a git work tree's root.
    public let isWorkTree: Bool
    /// Each argument relative to `path` (empty for the root itself), in the order given.
    public let relative: [PathBytes]

    /// The root of `arguments` (paths as typed, relative to the current directory or absolute;
    /// each must exist).
    public init(_ arguments: [PathBytes]) {
        let canonical = arguments.map(Self.canonical)
        let folders = canonical.map { c -> PathBytes in
            var st = stat()
            return stat(c.cString, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR ? c : Self.parent(c)
        }
        let trees = Set(folders.map(Self.workTree))
        if trees.count == 1, let tree = trees.first, let tree {
            path = tree
            isWorkTree = true
        } else {
            path = folders.dropFirst().reduce(folders.first ?? PathBytes("/"), Self.commonFolder)
            isWorkTree = false
        }
        let root = path
        relative = canonical.map { Self.relative($0, to: root) ?? $0 }
    }

    /// `p` without `.`/`..` and with the symlinks of its folders resolved (the last name is kept,
    /// so a symlink argument stays a symlink).
    static func canonical(_ p: PathBytes) -> PathBytes {
        let trimmed = p.withoutTrailingSlash
        let name = trimmed.fileName
        if name.isEmpty || name == Array(".".utf8) || name == Array("..".utf8) || trimmed.bytes == [UInt8(ascii: "/")] {
            return trimmed.absolute.resolved ?? trimmed.absolute
        }
        let folder = trimmed.bytes.count > name.count ? PathBytes(Array(trimmed.bytes.dropLast(name.count))) : PathBytes(".")
        return (folder.absolute.resolved ?? folder.absolute).appending(name)
    }

    /// The canonical root of the work tree holding `folder`, or nil.
    static func workTree(_ folder: PathBytes) -> PathBytes? {
        guard let repository = try? GitRepository.open(at: folder, fromEnvironment: false), let tree = repository.workdir else { return nil }
        return tree.resolved ?? tree
    }

    static func parent(_ p: PathBytes) -> PathBytes {
        guard let slash = p.bytes.lastIndex(of: UInt8(ascii: "/")), slash > 0 else { return PathBytes("/") }
        return PathBytes(Array(p.bytes[..<slash]))
    }

    /// The deepest folder holding both absolute folders.
    static func commonFolder(_ a: PathBytes, _ b: PathBytes) -> PathBytes {
        var x = a
        while relative(b, to: x) == nil { x = parent(x) }
        return x
    }

    /// `p` relative to the folder `root` (empty when equal), or nil when outside it.
    static func relative(_ p: PathBytes, to root: PathBytes) -> PathBytes? {
        if p == root { return PathBytes([]) }
        let prefix = root.bytes == [UInt8(ascii: "/")] ? root.bytes : root.bytes + [UInt8(ascii: "/")]
        guard p.bytes.starts(with: prefix) else { return nil }
        return PathBytes(Array(p.bytes.dropFirst(prefix.count)))
    }
}

extension GitRepository {
    /// The folder findings' paths are relative to, as reports name it: the canonical work tree
    /// root (the git directory for a bare repository), as `ScanRoot` gives it for `moat scan`.
    public var reportRoot: PathBytes {
        let root = workdir ?? gitDir
        return root.resolved ?? root
    }
}
