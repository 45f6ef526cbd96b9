/// The pre-GGUF llama.cpp formats: u32 LE magics `ggml` (unversioned), `ggmf`, `ggjt` (versioned),
/// `ggla` (LoRA). Validated by a small version and plausible LLaMA hyperparameters after it.
public struct GGMLSniffer: Sniffer {
    public let id = "ggml"
    public init() {}

    static let magics: [(UInt32, String, Bool)] = [  // magic, name, has a version field
        (0x6767_6D6C, "ggml", false), (0x6767_6D66, "ggmf", true), (0x6767_6A74, "ggjt", true), (0x6767_6C61, "ggla", true),
    ]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard let magic = h.u32le(0), let (_, name, versioned) = GGMLSniffer.magics.first(where: { $0.0 == magic }) else { return .notMine }
        var p = 4
        var version: UInt32 = 0
        if versioned {
            guard let v = h.u32le(4), v >= 1 && v <= 3 else { return .notMine }
            version = v
            p = 8
        }
        var d = Detection(format: id, category: .modelWeights, label: "GGML model (\(name))")
        d.summary.addDetail("magic", name)
        if versioned { d.summary.addDetail("version", String(version)) }
        if name == "ggla" {
            // LoRA adapter: r and alpha follow.
            guard let r = h.u32le(p), r >= 1 && r <= 4096 else { return .notMine }
            d.summary.addNote("LoRA adapter (r=\(r))")
            return .found(d)
        }
        // LLaMA hyperparameters: n_vocab, n_embd, n_mult, n_head, n_layer, n_rot, ftype.
        guard let vocab = h.u32le(p), let embd = h.u32le(p + 4), let head = h.u32le(p + 12), let layers = h.u32le(p + 16),
              (1_000...1_000_000).contains(vocab), (64...65_536).contains(embd), (1...1_024).contains(head), (1...1_024).contains(layers),
              embd % head == 0 else { return .notMine }
        d.summary.addDetail("n_vocab", String(vocab))
        d.summary.addDetail("n_embd", String(embd))
        d.summary.addDetail("n_layer", String(layers))
        // Rough LLaMA estimate: embeddings + output + 12 * n_embd^2 per layer.
        let e = Int(embd)
        d.summary.parameters = 2 * Int(vocab) * e + Int(layers) * 12 * e * e
        d.summary.addNote("parameter count estimated from hyperparameters")
        return .found(d)
    }
}
