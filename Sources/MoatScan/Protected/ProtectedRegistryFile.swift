#if canImport(Glibc)
import Glibc
#endif
import MoatBytes
import MoatCore

/// Protected-model registries on disk: read, write, register files into them, and the lazy loader
/// a scan hands to the core (nothing is read until a tensor file is seen).
public enum ProtectedRegistryFile {
    /// Registries above this size are refused (a 70B model's registry is a few MB).
    static let maxBytes = 512 << 20

    public static func load(_ path: String) throws(ScanError) -> ProtectedRegistry {
        let file: FileByteSource
        do { file = try FileByteSource(path: PathBytes(path)) } catch {
            throw ScanError("\(path): cannot read the protected-model registry: \(error.reason)")
        }
        guard file.size <= maxBytes, let bytes = file.read(at: 0, count: file.size), bytes.count == file.size else {
            throw ScanError("\(path): cannot read the protected-model registry")
        }
        do { return try ProtectedRegistry.parse(bytes) } catch {
            throw ScanError("\(path): not a protected-model registry: \(error.reason)")
        }
    }

    /// The registry at `path`, or a new one with a random salt when the file does not exist.
    public static func loadOrCreate(_ path: String) throws(ScanError) -> ProtectedRegistry {
        var st = stat()
        if stat(path, &st) != 0 { return ProtectedRegistry(key: SketchKey(salt: UInt64.random(in: 1...UInt64.max))) }
        return try load(path)
    }

    /// Writes the registry through a temporary file renamed over `path` (never half-written).
    public static func save(_ registry: ProtectedRegistry, to path: String) throws(ScanError) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = FileIO.open(PathBytes(tmp), O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        guard fd >= 0 else { throw ScanError("\(path): cannot write the registry") }
        let text = Array(registry.json().utf8)
        let ok = text.withUnsafeBytes { FileIO.write(fd, $0) }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw ScanError("\(path): cannot write the registry")
        }
    }

    /// Registers `files` as model `name` (replacing a model of that name).
    public static func add(name: String, files: [String], to registry: inout ProtectedRegistry) throws(ScanError) -> ProtectedRegistry.Model {
        guard ProtectedRegistry.isValidName(name) else { throw ScanError("\(name): a model name is letters, digits, '.', '-' and '_'") }
        var inputs: [(path: String, input: SniffInput)] = []
        for path in files {
            let source: FileByteSource
            do { source = try FileByteSource(path: PathBytes(path)) } catch { throw ScanError("\(path): \(error.reason)") }
            let input = SniffInput(path: PathBytes(path), source: source)
            guard TensorLocator.locate(input) != nil else {
                throw ScanError("\(path): not a weight file moat can read tensors from (safetensors, PyTorch zip, .npy/.npz, GGUF)")
            }
            inputs.append((path, input))
        }
        let model = ProtectedSketcher.model(name: name, files: inputs.map(\.path), inputs: inputs.map(\.input), key: registry.key)
        guard !model.tensors.isEmpty else { throw ScanError("\(name): no tensor of these files can be registered (\(model.skipped.count) skipped)") }
        registry.put(model)
        return model
    }

    /// The loader for a scan: parses every registry the first time a tensor file is seen.
    public static func models(_ paths: [String]) -> ProtectedModels? {
        guard !paths.isEmpty else { return nil }
        return ProtectedModels {
            var out: [ProtectedMatcher] = []
            for p in paths {
                do throws(ScanError) { out.append(ProtectedMatcher(registry: try load(p), source: p)) } catch { return .failure(.init(error.message)) }
            }
            return .success(out)
        }
    }
}
