import CZlib

/// Bounded zlib/deflate/gzip inflation: at most `limit` output bytes, never more, whatever the
/// stream claims. Used to peek into compressed zip members, gzip wrappers and git pack entries.
public enum Inflater {
    public enum Wrapper: Sendable { case zlib, raw, auto }

    /// Inflates `input` until `limit` bytes came out, the stream ended, or the input ran out.
    /// Returns nil when the data is not a valid stream of that kind.
    public static func inflatePrefix(_ input: [UInt8], wrapper: Wrapper, limit: Int) -> [UInt8]? {
        guard limit > 0, !input.isEmpty else { return [] }
        // The output buffer is allocated up front: never larger than deflate can expand this input
        // (at most 1032:1), nor than zlib's 32-bit counters (a larger limit would trap below).
        let (expansion, overflow) = input.count.multipliedReportingOverflow(by: 1032)
        let limit = min(limit, overflow ? Int.max : expansion + 64, Int(UInt32.max))
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

/// A zlib/deflate stream inflated incrementally: the inflater state lives across calls, so pulling a
/// long output in many small steps costs the same as one pass. Compressed input comes from
/// `refill`, which fills a fixed buffer owned by the stream (a file read with `pread`, say), so only
/// as much input is read as the output asked for needs.
public final class InflateStream {
    public enum State: Sendable { case running, finished, failed }

    /// `running` while more output may come; `finished` at the end of the stream; `failed` on
    /// corrupt data or when the input ran out before the stream ended.
    public private(set) var state: State = .running
    /// Compressed bytes handed over by `refill` so far.
    public private(set) var compressedBytesRead = 0
    /// Inflated bytes produced so far.
    public private(set) var totalOut = 0

    private let stream: UnsafeMutablePointer<z_stream>  // zlib keeps a pointer to it: it must not move
    private let input: UnsafeMutableRawBufferPointer
    private let refill: (UnsafeMutableRawBufferPointer) -> Int

    /// - Parameters:
    ///   - inputChunk: the size of the input buffer, i.e. the most compressed bytes read at a time.
    ///   - refill: writes the next compressed bytes into the buffer and returns how many; 0 at the
    ///     end of the input, negative on an error.
    public init?(wrapper: Inflater.Wrapper, inputChunk: Int = 64 << 10,
                 refill: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc: Int32
        switch wrapper {
        case .zlib: rc = czlib_inflate_init(stream)
        case .raw: rc = czlib_inflate_init_raw(stream)
        case .auto: rc = czlib_inflate_init_auto(stream)
        }
        guard rc == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
        input = .allocate(byteCount: max(inputChunk, 64), alignment: 16)
        self.refill = refill
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Appends up to `count` inflated bytes to `buffer` and returns how many were appended: fewer
    /// only when the stream finished or failed (see `state`).
    @discardableResult
    public func inflate(appendingTo buffer: inout [UInt8], upTo count: Int) -> Int {
        guard count > 0, state == .running else { return 0 }
        let chunk = min(count, Int(UInt32.max))
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let produced = buffer.withUnsafeMutableBufferPointer { all -> Int in
            stream.pointee.next_out = all.baseAddress! + start
            stream.pointee.avail_out = UInt32(chunk)
            while stream.pointee.avail_out > 0 {
                if stream.pointee.avail_in == 0 {
                    let n = refill(input)
                    guard n > 0, n <= input.count else { state = .failed; break }  // truncated or unreadable
                    compressedBytesRead += n
                    stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    stream.pointee.avail_in = UInt32(n)
                }
                let rc = zlibInflate(stream, Z_NO_FLUSH)
                if rc == Z_STREAM_END { state = .finished; break }
                if rc == Z_OK { continue }
                if rc == Z_BUF_ERROR && stream.pointee.avail_in == 0 { continue }  // wants more input
                state = .failed  // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR, or no progress possible
                break
            }
            return chunk - Int(stream.pointee.avail_out)
        }
        buffer.removeLast(chunk - produced)
        totalOut += produced
        return produced
    }
}

/// zlib's `inflate`, named apart from `InflateStream.inflate`.
@inline(__always)
private func zlibInflate(_ stream: UnsafeMutablePointer<z_stream>, _ flush: Int32) -> Int32 { inflate(stream, flush) }
