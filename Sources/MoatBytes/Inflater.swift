import CDeflate
import CZlib

/// Bounded zlib/deflate/gzip inflation: at most `limit` output bytes, never more, whatever the
/// stream claims. The one inflater of moat: peeks into compressed zip members, gzip wrappers, git
/// loose objects and pack entries (`inflatePrefix`, `prefix`), and inflates whole git objects
/// (`whole`). An instance keeps its zlib and libdeflate state across calls, for a thread that
/// inflates many objects (one per worker); `InflateStream` is the incremental form.
///
/// Whole objects go through libdeflate: about twice zlib's speed on git's objects, and it checks
/// that the stream ends exactly where the output does.
public final class Inflater {
    public enum Wrapper: Sendable { case zlib, raw, auto }

    private let stream: UnsafeMutablePointer<z_stream>  // zlib keeps a pointer to it: it must not move
    private let decompressor: OpaquePointer

    /// nil when zlib or libdeflate cannot allocate their state.
    public init?() {
        guard let d = libdeflate_alloc_decompressor() else { return nil }
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_inflate_init(stream) == Z_OK else {
            libdeflate_free_decompressor(d)
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
        decompressor = d
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        libdeflate_free_decompressor(decompressor)
    }

    /// Up to `count` bytes inflated from the start of `input` (one pass, no more input than
    /// given), or nil when it is not a stream of that kind. A stream that ends or breaks early
    /// gives what came out before.
    public func prefix(_ input: UnsafeRawBufferPointer, wrapper: Wrapper, count: Int) -> [UInt8]? {
        guard count > 0, let inBase = input.baseAddress else { return [] }
        let bits: Int32
        switch wrapper {
        case .zlib: bits = MAX_WBITS
        case .raw: bits = -MAX_WBITS
        case .auto: bits = MAX_WBITS + 32
        }
        guard inflateReset2(stream, bits) == Z_OK else { return nil }
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: UInt8.self))
            stream.pointee.avail_in = UInt32(min(input.count, Int(UInt32.max)))
            stream.pointee.next_out = buffer.baseAddress!
            stream.pointee.avail_out = UInt32(count)
            let rc = zlibInflate(stream, Z_SYNC_FLUSH)
            ok = rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR
            initialized = ok ? count - Int(stream.pointee.avail_out) : 0
        }
        return ok ? out : nil
    }

    /// Inflates the zlib stream at the start of `input` into `output`: true only when it fills
    /// `output` exactly and the stream (checksum included) ends there, within `input`.
    public func whole(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard let inBase = input.baseAddress else { return false }
        var consumed = 0, produced = 0
        let out = output.baseAddress ?? UnsafeMutableRawPointer(stream)  // never written when empty
        let rc = libdeflate_zlib_decompress_ex(decompressor, inBase, input.count, out, output.count, &consumed, &produced)
        return rc == LIBDEFLATE_SUCCESS && produced == output.count
    }

    /// The zlib stream at the start of `input` inflated whole; nil unless it is exactly `size` bytes.
    public func whole(_ input: UnsafeRawBufferPointer, size: Int) -> [UInt8]? {
        guard size >= 0 else { return nil }
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, initialized in
            ok = whole(input, into: UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: size))
            initialized = ok ? size : 0
        }
        return ok ? out : nil
    }

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

extension InflateStream {
    /// A `StreamByteSource` pull inflating the next `declaredSize` bytes of this stream (an object
    /// whose header declared that size): never more than that, and it reports the stream as failed
    /// when it breaks, ends before that size, or still has data once that size is out (checked as
    /// the last declared byte is pulled).
    public func pull(declaredSize: Int) -> (inout [UInt8], Int) -> StreamPull {
        let start = totalOut, end = totalOut + declaredSize  // counted from here
        return { buffer, wanted in
            if self.totalOut < end {
                self.inflate(appendingTo: &buffer, upTo: min(wanted, end - self.totalOut))
                let done = self.totalOut - start
                switch self.state {
                case .failed:
                    return .failed("corrupt or truncated compressed data after \(done) of \(declaredSize) bytes")
                case .finished:
                    return done == declaredSize ? .end : .failed("the data ended after \(done) of \(declaredSize) bytes")
                case .running:
                    if done < declaredSize { return .more }
                }
            }
            // Every declared byte is out: the stream must end right here.
            var extra: [UInt8] = []
            extra.reserveCapacity(1)
            if self.inflate(appendingTo: &extra, upTo: 1) > 0 { return .failed("the data runs past its declared size of \(declaredSize) bytes") }
            return self.state == .finished ? .end : .failed("corrupt or truncated compressed data at the end of \(declaredSize) bytes")
        }
    }
}
