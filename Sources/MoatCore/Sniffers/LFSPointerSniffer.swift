/// Git LFS pointer files: small text that stands in for the real file, which lives on the LFS
/// server. A pointer means the weights are NOT in git, so it is never a finding.
/// Spec: git-lfs docs/spec.md (version line first, `oid sha256:<64 hex>`, `size <n>`, < 1024 bytes).
public struct LFSPointerSniffer: Sniffer {
    public let id = "lfs-pointer"
    public init() {}

    static let versions = [ascii("version https://git-lfs.github.com/spec/v1\n"), ascii("version https://hawser.github.com/spec/v1\n")]

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size < 1024, let pointer = LFSPointerSniffer.parse(input.head) else { return .notMine }
        return .benign(.lfsPointer(storedBytes: pointer.size))
    }

    /// The real file's size and hash, when `bytes` is a canonical pointer.
    public static func parse(_ bytes: [UInt8]) -> (oid: String, size: Int)? {
        guard bytes.count < 1024, versions.contains(where: { bytes.has($0, at: 0) }), bytes.last == 0x0A else { return nil }
        var oid: String?
        var size: Int?
        for line in bytes.split(separator: 0x0A).dropFirst() {
            guard let space = line.firstIndex(of: 0x20) else { return nil }
            let key = String(decoding: line[line.startIndex..<space], as: UTF8.self)
            let value = Array(line[(space + 1)...])
            guard key.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }) else { return nil }
            switch key {
            case "oid":
                let prefix = ascii("sha256:")
                guard value.count == 71, value.has(prefix, at: 0),
                      value[7...].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
                oid = String(decoding: value[7...], as: UTF8.self)
            case "size":
                guard !value.isEmpty, value.count <= 19, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(String(decoding: value, as: UTF8.self)) else { return nil }
                size = n
            default:
                continue  // ext-N-<name> lines and future keys
            }
        }
        guard let o = oid, let s = size else { return nil }
        return (o, s)
    }
}
