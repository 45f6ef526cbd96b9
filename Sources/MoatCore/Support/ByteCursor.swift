/// Sequential little-endian reads over a `SniffInput`, fetched in chunks, never past the real size
/// nor past `limit` bytes from the start. Every read returns nil instead of trapping.
struct ByteCursor {
    let input: SniffInput
    let limit: Int
    private(set) var offset: Int
    private var chunk: [UInt8] = []
    private var chunkStart = 0
    static let chunkSize = 256 * 1024

    init(_ input: SniffInput, at offset: Int = 0, limit: Int) {
        self.input = input
        self.offset = offset
        self.limit = min(limit, input.size)
        chunk = input.head
    }

    /// Makes `count` bytes at the current offset available in `chunk`; false past the limit.
    private mutating func ensure(_ count: Int) -> Bool {
        guard count >= 0, offset + count <= limit else { return false }
        if offset >= chunkStart && offset + count <= chunkStart + chunk.count { return true }
        guard let bytes = input.bytes(at: offset, count: max(count, ByteCursor.chunkSize)), bytes.count >= count else { return false }
        chunk = bytes
        chunkStart = offset
        return true
    }

    mutating func u8() -> UInt8? {
        guard ensure(1) else { return nil }
        defer { offset += 1 }
        return chunk[offset - chunkStart]
    }
    mutating func u32() -> UInt32? {
        guard ensure(4) else { return nil }
        defer { offset += 4 }
        return chunk.u32le(offset - chunkStart)
    }
    mutating func u64() -> UInt64? {
        guard ensure(8) else { return nil }
        defer { offset += 8 }
        return chunk.u64le(offset - chunkStart)
    }
    mutating func bytes(_ n: Int) -> [UInt8]? {
        guard n >= 0, n <= 16 * 1024 * 1024, ensure(n) else { return nil }
        defer { offset += n }
        let s = offset - chunkStart
        return Array(chunk[s..<(s + n)])
    }
    /// Skips `n` bytes without reading them; false when that passes the limit.
    mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, n <= limit - offset else { return false }
        offset += n
        return true
    }
}
