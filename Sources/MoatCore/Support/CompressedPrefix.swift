import MoatBytes

/// A bounded look inside gzip- or zlib-wrapped content (`*.tfrecord.gz`, `shard.tar.gz`): the
/// first bytes inflated, never the whole stream, so a huge or hostile archive costs at most `limit`.
enum CompressedPrefix {
    /// Whether `h` starts with a gzip member (deflate, reserved flags clear) or a zlib header
    /// (deflate, 32K window, header checksum).
    static func isWrapped(_ h: [UInt8]) -> Bool {
        guard h.count >= 10 else { return false }
        if h[0] == 0x1F, h[1] == 0x8B, h[2] == 0x08, h[3] & 0xE0 == 0 { return true }
        return h[0] == 0x78 && (UInt16(h[0]) << 8 | UInt16(h[1])) % 31 == 0 && h[1] & 0x20 == 0
    }

    /// The first `count` inflated bytes, from at most the first 4 KiB of input: a cheap look before
    /// deciding to inflate more.
    static func peek(_ input: SniffInput, count: Int) -> [UInt8]? {
        guard isWrapped(input.head) else { return nil }
        return Inflater.inflatePrefix(Array(input.head.prefix(4096)), wrapper: .auto, limit: count)
    }

    /// Up to `limit` inflated bytes from the first `inputBytes` of `input`, and whether they are
    /// all of the content (the whole input was read and the output stopped short of the limit).
    static func inflate(_ input: SniffInput, inputBytes: Int, limit: Int) -> (bytes: [UInt8], complete: Bool)? {
        guard isWrapped(input.head), let raw = input.prefix(min(input.size, inputBytes)),
              let out = Inflater.inflatePrefix(raw, wrapper: .auto, limit: limit), !out.isEmpty else { return nil }
        return (out, raw.count == input.size && out.count < limit)
    }
}
