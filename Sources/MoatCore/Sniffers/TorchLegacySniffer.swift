/// Legacy `torch.save` (before 1.6, or `_use_new_zipfile_serialization=False`): a run of pickles
/// (magic number 0x1950a86a20f9469cfc6c, protocol version 1001, `sys_info`, the object) followed by
/// the raw storages. The magic pickle is matched byte for byte (research 2.3), then the object
/// pickle is walked like `data.pkl` in the zip format.
public struct TorchLegacySniffer: Sniffer {
    public let id = "pytorch-legacy"
    public init() {}

    /// LONG1 of the magic number, then STOP.
    static let magic: [UInt8] = [0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    /// Offset just after the magic pickle, when the content starts with it (protocol 2/3 plain, 4/5 framed).
    static func magicEnd(_ h: [UInt8]) -> Int? {
        guard h.count >= 2, h[0] == 0x80 else { return nil }
        switch h[1] {
        case 2, 3:
            return h.has(magic, at: 2) ? 2 + magic.count : nil
        case 4, 5:
            // FRAME of 13 bytes (u64 LE) around the magic.
            guard h.has([0x95, 0x0D, 0, 0, 0, 0, 0, 0, 0], at: 2), h.has(magic, at: 11) else { return nil }
            return 11 + magic.count
        default:
            return nil
        }
    }

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard let start = TorchLegacySniffer.magicEnd(input.head) else { return .notMine }
        var limits = PickleWalker.Limits()
        limits.window = 256 * 1024
        let fetch: PickleWalker.Fetch = { input.bytes(at: $0, count: $1) }
        // Protocol version (1001), then sys_info: both small pickles that must be well formed.
        var small = limits
        small.maxBytes = 64 * 1024
        small.window = 4096
        small.maxOps = 10_000
        let version = PickleWalker.walk(total: input.size, start: start, limits: small, fetch: fetch)
        guard version.reachedStop else { return .notMine }
        let sysInfo = PickleWalker.walk(total: input.size, start: version.endOffset, limits: small, fetch: fetch)
        guard sysInfo.reachedStop else { return .notMine }
        let walk = PickleWalker.walk(total: input.size, start: sysInfo.endOffset, limits: limits, fetch: fetch)
        var problems: [String] = []
        if let p = TorchZipSniffer.problem(walk, read: walk.bytesRead, declared: 0, name: "object pickle") { problems.append(p) }
        guard var verdict = CheckpointClassifier.verdict(CheckpointEvidence(walk)) else { return .notMine }
        if case .int(let v)? = version.root { verdict.summary.addDetail("protocol_version", String(v)) }
        return .found(Detection(format: id, category: verdict.category, label: verdict.torchLabel, summary: verdict.summary, problems: problems))
    }
}
