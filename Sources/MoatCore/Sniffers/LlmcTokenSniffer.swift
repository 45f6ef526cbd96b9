/// llm.c token shards (source: karpathy/llm.c `dev/data/data_common.py`, `write_datafile`): a
/// header of 256 int32 (magic, version, token count, the rest zero), then the tokens: uint16 for
/// GPT-2 (magic 20240520, version 1), uint32 for Llama 3 (magic 20240801, version 7).
///
/// Recognition: magic and its version, the 253 reserved header words zero, and
/// `1024 + count * width` equal to the size (or beyond it: truncated).
public struct LlmcTokenSniffer: Sniffer {
    public let id = "llmc-tokens"
    public init() {}

    static let headerBytes = 1024
    /// (magic, version, token width in bytes, tokenizer).
    static let kinds: [(UInt32, UInt32, Int, String)] = [(20_240_520, 1, 2, "GPT-2"), (20_240_801, 7, 4, "Llama 3")]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= LlmcTokenSniffer.headerBytes, let magic = h.u32le(0), let version = h.u32le(4), let count = h.u32le(8),
              let kind = LlmcTokenSniffer.kinds.first(where: { $0.0 == magic && $0.1 == version }),
              h[12..<LlmcTokenSniffer.headerBytes].allSatisfy({ $0 == 0 }) else { return .notMine }
        let tokens = Int(Int32(bitPattern: count))
        guard tokens >= 0 else { return .notMine }
        let expected = LlmcTokenSniffer.headerBytes + tokens * kind.2  // < 2^31 * 4 + 1024: no overflow
        // Extra bytes past the tokens: not a file `write_datafile` wrote.
        guard expected >= input.size else { return .notMine }
        var s = ArtifactSummary()
        s.addNote(DatasetFacts.count(tokens, "token") + " (\(kind.3) tokenizer, uint\(kind.2 * 8))")
        s.addDetail("tokens", String(tokens))
        s.addDetail("tokenizer", kind.3)
        var problems: [String] = []
        if expected > input.size {
            problems.append("truncated: \(DatasetFacts.count(tokens, "token")) need \(FindingMessage.bytes(expected)), file has \(FindingMessage.bytes(input.size))")
        }
        return .found(Detection(format: id, category: .dataset, label: "llm.c token shard", summary: s, problems: problems, hasStrings: false))
    }
}
