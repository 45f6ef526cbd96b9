import MoatBytes
import MoatCore

/// `moat protect verify`: per file, per tensor, which protected tensor it holds, in which layout,
/// how well the sampled bits agree and how unlikely that is by chance: the chain-of-custody report.
public struct ProtectedEvidence: Sendable {
    public struct File: Sendable {
        public var path: String
        public var format: String?
        public var sampled = 0
        public var unsampled = 0
        public var matches: [TensorMatch] = []
        public var findings: [Finding] = []
    }

    public var files: [File] = []
    public var registries: [String]

    /// Examines every path (files only) against the registries.
    public static func verify(registries paths: [String], files: [String]) throws(ScanError) -> ProtectedEvidence {
        var matchers: [ProtectedMatcher] = []
        for p in paths { matchers.append(ProtectedMatcher(registry: try ProtectedRegistryFile.load(p), source: p)) }
        var evidence = ProtectedEvidence(registries: paths)
        for path in files {
            let source: FileByteSource
            do { source = try FileByteSource(path: PathBytes(path)) } catch { throw ScanError("\(path): \(error.reason)") }
            let input = SniffInput(path: PathBytes(path), source: source)
            var file = File(path: path)
            if let listing = TensorLocator.locate(input) {
                file.format = listing.format
                file.sampled = listing.tensors.count
                file.unsampled = listing.unsampled.count
                for m in matchers {
                    let found = m.matches(in: input, listing: listing)
                    file.matches += found
                    for model in m.registry.models {
                        let mine = found.filter { $0.model == model.name }
                        if !mine.isEmpty { file.findings.append(ProtectedFinding.make(model: model, matches: mine, input: input, format: listing.format)) }
                    }
                }
            }
            evidence.files.append(file)
        }
        return evidence
    }

    public var anyMatch: Bool { files.contains { !$0.matches.isEmpty } }

    public func text() -> String {
        var out = ""
        for f in files {
            guard let format = f.format else { out += "\(f.path): no tensors moat can read\n"; continue }
            out += "\(f.path) (\(format), \(f.sampled) tensors\(f.unsampled > 0 ? ", \(f.unsampled) not sampled" : "")): "
            out += f.findings.isEmpty ? "no protected tensor\n" : f.findings.map(\.message).joined(separator: "; ") + "\n"
            for m in f.matches {
                out += "  \(m.candidate.name) \(shape(m.candidate.shape)) \(m.candidate.encoding.rawValue) = \(m.model):\(m.tensor.name) "
                out += "\(shape(m.tensor.shape)) \(m.tensor.dtype), \(m.layout.description), \(m.agreements)/\(m.bits) bits agree, "
                out += "similarity \(ProtectedFinding.decimal(m.similarity, places: 4)), p < 1e\(Int(m.log10p.rounded(.up)))\n"
            }
        }
        return out
    }

    public func json() -> String {
        var out = "{\n  \"registries\": [" + registries.map(JSONText.quoted).joined(separator: ", ") + "],\n  \"files\": ["
        for (i, f) in files.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            out += "    {\"path\": \(JSONText.quoted(f.path)), \"format\": \(f.format.map(JSONText.quoted) ?? "null"), "
            out += "\"tensors_sampled\": \(f.sampled), \"tensors_not_sampled\": \(f.unsampled),\n     \"models\": ["
            out += f.findings.map { fd in
                let d = Dictionary(fd.summary.details, uniquingKeysWith: { a, _ in a })
                return "{\"model\": \(JSONText.quoted(d["protected.model"] ?? "")), \"matched_tensors\": \(d["protected.matched_tensors"] ?? "0"), "
                    + "\"total_tensors\": \(d["protected.total_tensors"] ?? "0"), \"similarity\": \(d["protected.similarity"] ?? "0"), "
                    + "\"changes\": \(JSONText.quoted(d["protected.changes"] ?? ""))}"
            }.joined(separator: ", ")
            out += "],\n     \"tensors\": ["
            out += f.matches.map(entry).joined(separator: ",")
            out += f.matches.isEmpty ? "]}" : "\n     ]}"
        }
        out += files.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    /// One tensor's evidence as a JSON object.
    func entry(_ m: TensorMatch) -> String {
        var e = "\n      {\"tensor\": \(JSONText.quoted(m.candidate.name)), \"shape\": \(list(m.candidate.shape)), "
        e += "\"dtype\": \(JSONText.quoted(m.candidate.encoding.rawValue)), \"model\": \(JSONText.quoted(m.model)), "
        e += "\"protected_tensor\": \(JSONText.quoted(m.tensor.name)), \"protected_shape\": \(list(m.tensor.shape)), "
        e += "\"protected_dtype\": \(JSONText.quoted(m.tensor.dtype)), \"layout\": \(JSONText.quoted(m.layout.description)), "
        e += "\"bits\": \(m.bits), \"agreements\": \(m.agreements), "
        e += "\"similarity\": \(ProtectedFinding.decimal(m.similarity, places: 6)), \"log10_p\": \(Int(m.log10p.rounded(.up)))}"
        return e
    }

    func list(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }

    func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
}
