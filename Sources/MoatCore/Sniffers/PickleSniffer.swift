import MoatBytes

/// Generic Python pickles and joblib files (research 2.15). Reported only when the pickle references
/// array/tensor rebuilders (NumPy, torch, joblib `NumpyArrayWrapper`) or ML model classes
/// (scikit-learn, XGBoost, LightGBM, CatBoost) or pandas frames: an ordinary pickle is not an artifact.
/// zlib-compressed joblib files are inflated (a bounded prefix) and walked the same way.
public struct PickleSniffer: Sniffer {
    public let id = "pickle"
    public init() {}

    static let maxInflated = 16 << 20
    static let maxCompressedRead = 8 << 20

    static let modelLibraries: [(module: String, label: String)] = [
        ("sklearn", "scikit-learn model"), ("xgboost", "XGBoost model"), ("lightgbm", "LightGBM model"), ("catboost", "CatBoost model"),
    ]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 2 else { return .notMine }
        var limits = PickleWalker.Limits()
        limits.window = 256 * 1024
        let walk: PickleWalk
        var compressed = false
        if h[0] == 0x80, (2...5).contains(h[1]) {
            walk = PickleWalker.walk(total: input.size, start: 0, limits: limits) { input.bytes(at: $0, count: $1) }
        } else if h[0] == 0x78, [0x01, 0x5E, 0x9C, 0xDA].contains(h[1]), (Int(h[0]) << 8 | Int(h[1])) % 31 == 0 {
            // A few bytes first: only a stream that inflates to a pickle is worth inflating further.
            guard let peek = Inflater.inflatePrefix(Array(h.prefix(4096)), wrapper: .zlib, limit: 16),
                  peek.count >= 2, peek[0] == 0x80, (2...5).contains(peek[1]),
                  let raw = input.prefix(min(input.size, PickleSniffer.maxCompressedRead)),
                  let inflated = Inflater.inflatePrefix(raw, wrapper: .zlib, limit: PickleSniffer.maxInflated),
                  inflated.count >= 2 else { return .notMine }
            walk = PickleWalker.walk(inflated, limits: limits)
            compressed = true
        } else if PickleSniffer.mayBeProtocol0(h) {
            let w = PickleWalker.walk(total: input.size, start: 0, limits: limits) { input.bytes(at: $0, count: $1) }
            guard w.reachedStop, !w.globals.isEmpty else { return .notMine }
            walk = w
        } else {
            return .notMine
        }
        return PickleSniffer.classify(walk, input: input, compressed: compressed)
    }

    /// Protocol 0/1 pickles have no magic: only the usual first opcodes are tried.
    static func mayBeProtocol0(_ h: [UInt8]) -> Bool {
        switch h[0] {
        case 0x28: return [0x64, 0x6C, 0x74, 0x28, 0x63, 0x69, 0x7D, 0x5D, 0x4E, 0x56, 0x53, 0x49].contains(h[1])  // (d (l (t (( (c (i ...
        case 0x63: return h.count > 8 && h.prefix(256).contains(0x0A) && h[1] >= 0x5F  // cmodule\nname\n
        case 0x7D, 0x5D: return [0x71, 0x70, 0x28, 0x2E, 0x94].contains(h[1])  // } q / ] q (protocol 1)
        default: return false
        }
    }

    static func classify(_ walk: PickleWalk, input: SniffInput, compressed: Bool) -> SniffResult {
        let joblib = walk.references(module: "joblib") || compressed || walk.tensors.contains { $0.library == .joblib }
        let format = joblib ? "joblib" : "pickle"
        let torch = walk.tensors.contains { $0.library == .torch } || walk.globals.contains { $0.module == "torch._utils" }
        let arrays = walk.tensors.contains { $0.library != .torch }
        let library = modelLibraries.first { lib in walk.references(module: lib.module) }
        let pandas = walk.references(module: "pandas")
        guard torch || arrays || library != nil || pandas else { return .notMine }

        var problems: [String] = []
        switch walk.end {
        case .stop: break
        case .truncated: problems.append(compressed ? "compressed: read the first \(FindingMessage.bytes(walk.endOffset)) inflated" : "pickle truncated")
        case .invalid(let why): problems.append("not a valid pickle after \(walk.ops) opcodes (\(why))")
        case .budget(let why): problems.append("truncated: the walk stopped at its \(why) budget")
        }
        let ev = CheckpointEvidence(walk)
        var all = CheckpointEvidence.Tally()
        for t in ev.tallies { all.merge(t) }
        func arraySummary() -> ArtifactSummary {
            var s = ArtifactSummary()
            s.tensors = all.count
            if all.known > 0 { s.parameters = all.elements }
            for d in all.dtypes { s.addDtype(d) }
            if let v = walk.proto { s.addDetail("pickle_protocol", String(v)) }
            return s
        }

        if let library {
            // A scikit-learn estimator learns attributes named with a trailing underscore (`coef_`,
            // `estimators_`, `n_features_in_`); without one it is hyperparameters only, not a model.
            let fitted = walk.strings.filter(PickleSniffer.isFittedAttribute)
            if library.module == "sklearn", fitted.isEmpty, !arrays { return .notMine }
            var s = arraySummary()
            if !fitted.isEmpty { s.addNote("fitted: " + fitted.prefix(4).joined(separator: ", ") + (fitted.count > 4 ? ", ..." : "")) }
            if all.count == 0 { s.tensors = nil }
            if let cls = walk.globals.first(where: { $0.module == library.module || $0.module.hasPrefix(library.module + ".") }) {
                s.addDetail("class", cls.fullName)
                s.addNote(cls.name)
            }
            return .found(Detection(format: format, category: .modelWeights, label: library.label, summary: s, problems: problems))
        }
        if pandas && !torch {
            var s = arraySummary()
            if let cls = walk.globals.first(where: { $0.module.hasPrefix("pandas") && ["DataFrame", "Series"].contains($0.name) }) { s.addNote("pandas \(cls.name)") }
            return .found(Detection(format: format, category: .dataset, label: "pickled pandas data", summary: s, problems: problems))
        }
        guard var verdict = CheckpointClassifier.verdict(ev) else { return .notMine }
        if let v = walk.proto { verdict.summary.addDetail("pickle_protocol", String(v)) }
        if torch {
            return .found(Detection(format: format, category: verdict.category, label: verdict.torchLabel + " (pickle)", summary: verdict.summary, problems: problems))
        }
        let lib = joblib ? "joblib" : "pickled"
        var category = verdict.category
        let label: String
        switch verdict.kind {
        case .weights:
            if looksLikeWeights(ev, name: input.lowercasedName) {
                label = "\(lib) model weights (NumPy)"
            } else {
                category = .tensorDump
                label = "\(lib) NumPy arrays (tensor dump)"
            }
        case .checkpoint, .trainingMetadata: label = "\(lib) training checkpoint (NumPy)"
        case .optimizer: label = "\(lib) optimizer state (NumPy)"
        case .gradients: label = "\(lib) gradients (NumPy)"
        }
        return .found(Detection(format: format, category: category, label: label, summary: verdict.summary, problems: problems))
    }

    /// `coef_`, `tree_`, `n_features_in_`: lower-case, a trailing underscore, no leading one.
    static func isFittedAttribute(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count >= 3, u.count <= 40, u.last == UInt8(ascii: "_"), let f = u.first, f >= UInt8(ascii: "a"), f <= UInt8(ascii: "z") else { return false }
        let wordy = u.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
        return wordy && u.dropLast().last != UInt8(ascii: "_")
    }

    static let weightWords = ["weight", "bias", "kernel", "embed", "conv", "attn", "proj", "layer", "norm", "fc", "lstm", "gru", "dense"]
    static let weightContainers: Set<String> = ["state_dict", "model", "model_state_dict", "params", "parameters", "weights", "module", "net"]
    static let weightFileWords = ["weight", "model", "ckpt", "checkpoint", "param", "state_dict"]

    /// Arrays named like layers, held under a weights-like key, or in a file named like weights.
    static func looksLikeWeights(_ ev: CheckpointEvidence, name: String) -> Bool {
        if ev.tensorNames.contains(where: { n in let l = n.lowercased(); return weightWords.contains { l.contains($0) } }) { return true }
        if ev.topKeys.contains(where: { weightContainers.contains($0.lowercased()) }) { return true }
        return weightFileWords.contains { name.contains($0) }
    }
}
