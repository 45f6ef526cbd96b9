import Crypto
import Synchronization

/// The protected-model registries a scan checks against, loaded on first need: a scan that sees no
/// tensor file (the usual pre-commit hook) never reads or parses them.
public final class ProtectedModels: Sendable {
    /// Reads and parses the registries (given by the scan pipeline, which knows files).
    public typealias Loader = @Sendable () -> Result<[ProtectedMatcher], LoadError>

    public struct LoadError: Error, Sendable { public let message: String; public init(_ m: String) { message = m } }

    private enum State { case unloaded, loaded([ProtectedMatcher]), failed(LoadError) }
    private let state = Mutex<State>(.unloaded)
    private let loader: Loader

    public init(loader: @escaping Loader) { self.loader = loader }

    /// Already-parsed registries (tests, `moat protect verify`).
    public convenience init(_ matchers: [ProtectedMatcher]) { self.init(loader: { .success(matchers) }) }

    /// The matchers, loading them the first time (one thread loads; the others wait for it).
    public func matchers() -> [ProtectedMatcher] {
        state.withLock { s in
            if case .unloaded = s {
                switch loader() {
                case .success(let m): s = .loaded(m)
                case .failure(let e): s = .failed(e)
                }
            }
            if case .loaded(let m) = s { return m }
            return []
        }
    }

    /// Why the registries could not be loaded, once a load was tried.
    public var loadError: LoadError? {
        state.withLock { s in if case .failed(let e) = s { return e }; return nil }
    }

    /// Whether any registry was loaded (false until a tensor file was seen).
    public var wasLoaded: Bool {
        state.withLock { s in if case .unloaded = s { return false }; return true }
    }

    /// The formats whose tensors are compared.
    static let formats: Set<String> = ["safetensors", "pytorch-zip", "numpy-npy", "numpy-npz", "gguf"]

    /// Per protected model found in `input`, one blocking finding.
    public func findings(for input: SniffInput, format: String) -> [Finding] {
        guard ProtectedModels.formats.contains(format) else { return [] }
        let matchers = matchers()
        guard !matchers.isEmpty, let listing = TensorLocator.locate(input) else { return [] }
        var out: [Finding] = []
        for matcher in matchers {
            let matches = matcher.matches(in: input, listing: listing)
            for model in matcher.registry.models {
                let mine = matches.filter { $0.model == model.name }
                guard !mine.isEmpty else { continue }
                out.append(ProtectedFinding.make(model: model, matches: mine, input: input, format: listing.format))
            }
        }
        return out
    }
}

/// The finding for one protected model in one file, with what changed when it can be told.
public enum ProtectedFinding {
    public static func make(model: ProtectedRegistry.Model, matches: [TensorMatch], input: SniffInput, format: String) -> Finding {
        let matched = Set(matches.map(\.tensor.name)).count
        let similarity = matches.map(\.similarity).reduce(0, +) / Double(matches.count)
        var s = ArtifactSummary()
        s.tensors = matches.count
        s.addDetail("protected.model", model.name)
        s.addDetail("protected.matched_tensors", String(matched))
        s.addDetail("protected.total_tensors", String(model.tensors.count))
        s.addDetail("protected.similarity", decimal(similarity, places: 4))
        let changes = changes(matches)
        if !changes.isEmpty { s.addDetail("protected.changes", changes.joined(separator: "; ")) }
        let rule = "protected.\(model.name)"
        let what = changes.isEmpty ? "" : ": " + changes.joined(separator: ", ")
        let message = "holds \(matched) of \(model.tensors.count) tensors of protected model \(model.name) (similarity \(decimal(similarity, places: 4)))\(what)"
        return Finding(kind: .artifact, category: .protectedModel, rule: rule, format: format, severity: .block, path: input.path,
                       size: input.size, summary: s, label: "protected model \(model.name)", message: message,
                       fingerprint: Fingerprint.artifact(rule: rule, size: input.size, head: input.head))
    }

    /// What differs from the registered tensors: dtype, names, layout, drift.
    static func changes(_ matches: [TensorMatch]) -> [String] {
        var out: [String] = []
        let conversions = Set(matches.compactMap { $0.tensor.dtype != $0.candidate.encoding.rawValue ? "\($0.tensor.dtype) → \($0.candidate.encoding.rawValue)" : nil })
        for c in conversions.sorted() { out.append(c.hasSuffix("Q8_0") ? "quantised \(c)" : "converted \(c)") }
        let renamed = matches.filter { $0.tensor.name != $0.candidate.name }.count
        if renamed > 0 { out.append("names changed (\(renamed) of \(matches.count))") }
        let transposed = matches.filter { $0.layout == .transposed }.count
        if transposed > 0 { out.append("transposed (\(transposed))") }
        let pieces = matches.filter { if case .rows = $0.layout { return true }; return false }.count
        if pieces > 0 { out.append("split along dim 0 (\(pieces) pieces)") }
        let minimum = matches.map(\.agreement).min() ?? 1
        if minimum < 1, conversions.isEmpty || minimum < 0.99 {
            out.append("values drifted (lowest agreement \(decimal(minimum, places: 4)))")
        }
        return out
    }

    public static func decimal(_ v: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let n = Int((v * scale).rounded())
        let whole = n / Int(scale), frac = String(n % Int(scale))
        return "\(whole)." + String(repeating: "0", count: places - frac.count) + frac
    }
}
