import CZlib

/// Bounded zlib/deflate/gzip inflation: at most `limit` output bytes, never more, whatever the
/// stream claims. Used to peek into compressed zip members, gzip wrappers and git pack entries.
public enum Inflater {
    public enum Wrapper: Sendable { case zlib, raw, auto }

    /// Inflates `input` until `limit` bytes came out, the stream ended, or the input ran out.
    /// Returns nil when the data is not a valid stream of that kind.
    public static func inflatePrefix(_ input: [UInt8], wrapper: Wrapper, limit: Int) -> [UInt8]? {
        guard limit > 0, !input.isEmpty else { return [] }
        var stream = z_stream()
        let initRC: Int32
        switch wrapper {
        case .zlib: initRC = czlib_inflate_init(&stream)
        case .raw: initRC = czlib_inflate_init_raw(&stream)
        case .auto: initRC = czlib_inflate_init_auto(&stream)
        }
        guard initRC == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: limit)
        var produced = 0
        var failed = false
        input.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress!)
                stream.avail_in = UInt32(min(inBuf.count, Int(UInt32.max)))
                stream.next_out = outBuf.baseAddress!
                stream.avail_out = UInt32(limit)
                while stream.avail_out > 0 {
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    if rc == Z_STREAM_END { break }
                    if rc == Z_BUF_ERROR || (rc == Z_OK && stream.avail_in == 0) { break }  // input exhausted
                    if rc != Z_OK { failed = true; break }
                }
                produced = limit - Int(stream.avail_out)
            }
        }
        if failed && produced == 0 { return nil }
        out.removeLast(limit - produced)
        return out
    }
}
