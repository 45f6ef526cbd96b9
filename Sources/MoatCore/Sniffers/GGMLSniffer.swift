/// The pre-GGUF ggml formats: u32 LE magics `ggml` (unversioned), `ggmf`, `ggjt` (versioned),
/// `ggla` (LoRA), in two families: llama.cpp's LLaMA layout and whisper.cpp's (`ggml` with
/// `n_audio_ctx` 1500 and `n_text_ctx` 448). The header is followed by the vocabulary (whisper:
/// mel filters first) and the tensors, each with its own small header; the walk reads those
/// headers and skips the data, so parameters are counted, not guessed, when the walk reaches the
/// end. A count never exceeds what the file's size can hold, and a file that ends after its
/// vocabulary (whisper.cpp's test stubs) is a model asset, not weights.
public struct GGMLSniffer: Sniffer {
    public let id = "ggml"
    public init() {}

    static let magics: [(UInt32, String, Bool)] = [  // magic, name, has a version field
        (0x6767_6D6C, "ggml", false), (0x6767_6D66, "ggmf", true), (0x6767_6A74, "ggjt", true), (0x6767_6C61, "ggla", true),
    ]
    /// Most tensor headers walked (a 65B LLaMA has 723).
    static let maxTensors = 65_536

    enum Family: String { case llama = "LLaMA", whisper = "Whisper" }

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
        if name == "ggla" {
            // LoRA adapter: r and alpha follow.
            guard let r = h.u32le(p), r >= 1 && r <= 4096 else { return .notMine }
            var d = Detection(format: id, category: .modelWeights, label: "GGML model (\(name))")
            d.summary.addDetail("magic", name)
            d.summary.addDetail("version", String(version))
            d.summary.addNote("LoRA adapter (r=\(r))")
            return .found(d)
        }
        let hp = (0..<11).map { h.u32le(p + 4 * $0).map(Int.init) ?? -1 }
        guard let family = Self.family(hp, unversioned: !versioned) else { return .notMine }
        let hparamCount = family == .whisper ? 11 : 7

        // Walk past the vocabulary (and whisper's mel filters) to the first tensor header.
        var cursor = ByteCursor(input, at: p + 4 * hparamCount, limit: input.size)
        let tensorsStart = Self.skipVocabulary(&cursor, family: family, hp: hp, scores: versioned) ? cursor.offset : nil
        let walk = tensorsStart == nil ? nil : Self.walkTensors(&cursor, aligned: name == "ggjt")

        var d = Detection(format: id, category: .modelWeights, label: family == .whisper ? "GGML Whisper model" : "GGML model (\(name))")
        d.summary.addDetail("magic", name)
        if versioned { d.summary.addDetail("version", String(version)) }
        switch family {
        case .llama:
            d.summary.addDetail("n_vocab", String(hp[0]))
            d.summary.addDetail("n_embd", String(hp[1]))
            d.summary.addDetail("n_layer", String(hp[4]))
        case .whisper:
            d.summary.architecture = "Whisper (\(Self.whisperSize(hp[2])))"
            d.summary.addDetail("n_vocab", String(hp[0]))
            d.summary.addDetail("n_audio_state", String(hp[2]))
            d.summary.addDetail("n_audio_layer", String(hp[4]))
            d.summary.addDetail("n_text_layer", String(hp[8]))
            d.summary.addDetail("n_mels", String(hp[9]))
        }

        if let start = tensorsStart, input.size - start < 16 {
            // Hyperparameters and vocabulary only: nothing a model can be rebuilt from.
            d.category = .modelAsset
            d.label = family == .whisper ? "GGML Whisper model header without tensors" : "GGML model header without tensors"
            d.summary.addNote("hyperparameters\(family == .whisper ? ", mel filters" : "") and vocabulary only, no tensor data (a test stub or a vocabulary file)")
            return .found(d)
        }
        if let walk, walk.reachedEnd, walk.tensors > 0 {
            d.summary.tensors = walk.tensors
            d.summary.parameters = walk.parameters
            d.summary.addNote("parameters counted from \(walk.tensors) tensor headers")
            return .found(d)
        }
        // The walk stopped early (a stream read only in part, a layout variant): estimate from the
        // hyperparameters, never above what the bytes after the header can hold.
        let estimate = family == .whisper ? Self.whisperParameters(hp) : Self.llamaParameters(hp)
        let dataBytes = input.size - (tensorsStart ?? (p + 4 * hparamCount))
        let ftype = family == .whisper ? hp[10] : hp[6]
        let most = Int(Double(dataBytes) / Self.leastBytesPerParameter(ftype: ftype))
        if estimate <= most {
            d.summary.parameters = estimate
            d.summary.addNote("parameter count estimated from hyperparameters")
        } else {
            d.summary.parameters = most
            d.summary.addNote("the header describes about \(FindingMessage.count(estimate)) parameters, but the file can hold at most \(FindingMessage.count(most)): truncated or partial")
            d.problems.append("file too small for its hyperparameters")
        }
        return .found(d)
    }

    /// Which layout the 11 words after the magic (and version) follow, if any.
    static func family(_ hp: [Int], unversioned: Bool) -> Family? {
        // whisper.cpp: n_vocab, n_audio_ctx (1500), n_audio_state, n_audio_head, n_audio_layer,
        // n_text_ctx (448), n_text_state, n_text_head, n_text_layer, n_mels, ftype.
        if unversioned, hp[1] == 1500, hp[5] == 448, hp[9] == 80 || hp[9] == 128, (1_000...1_000_000).contains(hp[0]),
           (64...8_192).contains(hp[2]), (1...128).contains(hp[3]), (1...128).contains(hp[4]),
           (64...8_192).contains(hp[6]), (1...128).contains(hp[7]), (1...128).contains(hp[8]) {
            return .whisper
        }
        // llama.cpp: n_vocab, n_embd, n_mult, n_head, n_layer, n_rot, ftype.
        if (1_000...1_000_000).contains(hp[0]), (64...65_536).contains(hp[1]), (1...1_024).contains(hp[3]),
           (1...1_024).contains(hp[4]), hp[1] % hp[3] == 0 {
            return .llama
        }
        return nil
    }

    /// Moves `cursor` past the vocabulary: whisper's mel filters (n_mel, n_fft, floats) and token
    /// count first; llama's n_vocab entries, each with a score in versioned files.
    static func skipVocabulary(_ cursor: inout ByteCursor, family: Family, hp: [Int], scores: Bool) -> Bool {
        var count = hp[0]
        if family == .whisper {
            guard let mels = cursor.u32(), let fft = cursor.u32(), mels <= 512, fft <= 4_096,
                  cursor.skip(Int(mels) * Int(fft) * 4), let n = cursor.u32(), n <= 1_000_000 else { return false }
            count = Int(n)
        }
        for _ in 0..<count {
            guard let length = cursor.u32(), length <= 4_096, cursor.skip(Int(length) + (scores ? 4 : 0)) else { return false }
        }
        return true
    }

    struct TensorWalk {
        var tensors = 0
        var parameters = 0
        /// Every header parsed and every tensor's data skipped, ending exactly at the file's end.
        var reachedEnd = false
    }

    /// Reads tensor headers (n_dims, name length, type, dims, name; ggjt aligns the data to 32
    /// bytes) and skips their data, until the end of the file or a header that does not parse.
    static func walkTensors(_ cursor: inout ByteCursor, aligned: Bool) -> TensorWalk {
        var walk = TensorWalk()
        while walk.tensors < maxTensors {
            if cursor.offset == cursor.limit { walk.reachedEnd = true; break }
            guard let dims = cursor.u32(), (1...4).contains(dims), let nameLength = cursor.u32(), (1...1_024).contains(nameLength),
                  let type = cursor.u32() else { break }
            var elements = 1
            var sane = true
            for _ in 0..<dims {
                guard let n = cursor.u32(), n >= 1 else { sane = false; break }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(n))
                if overflow { sane = false; break }
                elements = product
            }
            guard sane, cursor.skip(Int(nameLength)) else { break }
            if aligned { guard cursor.skip((32 - cursor.offset % 32) % 32) else { break } }
            guard let bytes = dataBytes(type: Int(type), elements: elements), cursor.skip(bytes) else { break }
            walk.tensors += 1
            walk.parameters += elements
        }
        return walk
    }

    /// Bytes of `elements` values of ggml type `type` (the block layouts of ggml's last GGML-era
    /// release); nil for a type not known here.
    static func dataBytes(type: Int, elements: Int) -> Int? {
        let perBlock: (bytes: Int, values: Int)
        switch type {
        case 0: perBlock = (4, 1)        // f32
        case 1: perBlock = (2, 1)        // f16
        case 2: perBlock = (18, 32)      // q4_0
        case 3: perBlock = (20, 32)      // q4_1
        case 6: perBlock = (22, 32)      // q5_0
        case 7: perBlock = (24, 32)      // q5_1
        case 8: perBlock = (34, 32)      // q8_0
        case 9: perBlock = (40, 32)      // q8_1
        default: return nil
        }
        guard elements % perBlock.values == 0 else { return nil }
        let (bytes, overflow) = (elements / perBlock.values).multipliedReportingOverflow(by: perBlock.bytes)
        return overflow ? nil : bytes
    }

    /// The fewest bytes one parameter can take for a file type (with a margin for layouts).
    static func leastBytesPerParameter(ftype: Int) -> Double {
        switch ftype {
        case 0: return 3.6       // all f32
        case 1: return 1.8       // mostly f16
        case 2, 3, 6, 7: return 0.5
        case 8, 9: return 0.95
        default: return 0.25     // 2- and 3-bit k-quants
        }
    }

    /// LLaMA: embeddings + output + 12 * n_embd^2 per layer.
    static func llamaParameters(_ hp: [Int]) -> Int {
        2 * hp[0] * hp[1] + hp[4] * 12 * hp[1] * hp[1]
    }

    /// Whisper: the convolutions, 1500 audio positions and 12 d^2 per encoder layer; token
    /// embeddings, 448 text positions and 16 d^2 per decoder layer (self- and cross-attention).
    static func whisperParameters(_ hp: [Int]) -> Int {
        let (audio, text) = (hp[2], hp[6])
        let encoder = hp[9] * audio * 3 + audio * audio * 3 + 1_500 * audio + hp[4] * 12 * audio * audio
        let decoder = hp[0] * text + 448 * text + hp[8] * 16 * text * text
        return encoder + decoder
    }

    /// OpenAI's name for a Whisper width.
    static func whisperSize(_ state: Int) -> String {
        switch state {
        case 384: return "tiny"
        case 512: return "base"
        case 768: return "small"
        case 1_024: return "medium"
        case 1_280: return "large"
        default: return "width \(state)"
        }
    }
}
