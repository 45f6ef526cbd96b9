import CPCRE2

/// One PCRE2 pattern, compiled (and JIT-compiled) once and shared by every thread.
///
/// Compiled without UTF (so `\w`, `\s` and `(?i)` are ASCII, as the rule format says) and with
/// `PCRE2_USE_OFFSET_LIMIT`, so that a search can be told the last position a match may start at.
/// Matching needs a `PCRE2Scratch`, which holds the per-thread match data, limits and JIT stack.
public final class PCRE2Pattern: @unchecked Sendable {
    let code: OpaquePointer
    /// Number of the named group `secret`, if the pattern has one.
    public let secretGroup: Int?
    /// Number of capture groups.
    public let captureCount: Int
    /// Whether the JIT compiled the pattern (otherwise the interpreter runs it, with the depth limit).
    public let isJIT: Bool
    /// The bytes a match can start with, from PCRE2's own start-of-match analysis (a first code
    /// unit, its start bitmap, or line starts); nil when any byte can. The engine counts these
    /// in a search's start range to charge the search a deterministic upper bound of its work.
    public let startBytes: StartBytes?

    /// Options every pattern is compiled with.
    static let compileOptions: UInt32 = PCRE2_USE_OFFSET_LIMIT | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C

    /// Compiles `pattern`. Throws the PCRE2 message and the offset in the pattern on error.
    public init(_ pattern: String, jit: Bool = true) throws(PatternCompileError) {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(pattern.utf8)
        let compiled: OpaquePointer? = bytes.withUnsafeBufferPointer { p in
            // A non-null pointer even for the empty pattern.
            let base = p.baseAddress ?? UnsafePointer(bitPattern: 1)!
            return pcre2_compile_8(base, p.count, Self.compileOptions, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw PatternCompileError(offset: errorOffset, code: Int(errorCode), message: PCRE2Pattern.message(errorCode))
        }
        code = compiled
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        let name: [UInt8] = Array("secret".utf8) + [0]
        let number = name.withUnsafeBufferPointer { pcre2_substring_number_from_name_8(compiled, $0.baseAddress) }
        secretGroup = number > 0 ? Int(number) : nil
        isJIT = jit && pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE) == 0
        startBytes = StartBytes(compiled)
    }

    deinit { pcre2_code_free_8(code) }

    /// PCRE2's text for an error code.
    static func message(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBufferPointer { pcre2_get_error_message_8(code, $0.baseAddress, $0.count) }
        return n > 0 ? String(decoding: buffer[0..<Int(n)], as: UTF8.self) : "PCRE2 error \(code)"
    }

    /// Why a search stopped without an answer.
    public enum MatchError: Error, Sendable, Equatable {
        /// The match limit (backtracking steps), depth limit, heap limit or JIT stack ran out.
        case limitExceeded(code: Int)
        /// Any other PCRE2 error (a bug: bad offsets or options).
        case failed(code: Int)
    }

    /// The first match that starts at or after `start` and at or before `startLimit` (no limit when
    /// nil), in `buffer[0..<end]` (the whole buffer when `end` is nil). Bytes before `start` are still
    /// seen by lookbehinds, and bytes after a match by lookaheads, up to `end`.
    public func firstMatch(in buffer: UnsafeRawBufferPointer, from start: Int, startLimit: Int? = nil,
                           end: Int? = nil, scratch: PCRE2Scratch) throws(MatchError) -> MatchRange? {
        let length = min(end ?? buffer.count, buffer.count)
        guard start >= 0, start <= length else { return nil }
        if let startLimit, startLimit < start { return nil }
        scratch.reserve(pairs: captureCount + 1)
        pcre2_set_offset_limit_8(scratch.context, startLimit ?? cpcre2_unset())
        let subject = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? PCRE2Scratch.emptySubject
        let rc = pcre2_match_8(code, subject, length, start, 0, scratch.matchData, scratch.context)
        if rc == PCRE2_ERROR_NOMATCH { return nil }
        if rc < 0 {
            switch rc {
            case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_JIT_STACKLIMIT, PCRE2_ERROR_NOMEMORY:
                throw .limitExceeded(code: Int(rc))
            default:
                throw .failed(code: Int(rc))
            }
        }
        let ovector = pcre2_get_ovector_pointer_8(scratch.matchData)!
        let whole = ovector[0]..<max(ovector[0], ovector[1])
        var secret = whole
        if let group = secretGroup, group < Int(rc) {
            let lo = ovector[2 * group], hi = ovector[2 * group + 1]
            if lo != cpcre2_unset(), hi != cpcre2_unset(), lo <= hi { secret = lo..<hi }
        }
        return MatchRange(whole: whole, secret: secret)
    }

    /// `firstMatch` with a scratch made for this call (tests, linting; slow for a hot path).
    public func firstMatch(in buffer: UnsafeRawBufferPointer, from start: Int = 0) throws(MatchError) -> MatchRange? {
        try firstMatch(in: buffer, from: start, scratch: PCRE2Scratch())
    }

    /// All non-overlapping matches, each search starting where the previous match ended (the
    /// reference a full pass gives). For tests and small inputs.
    public func allMatches(in buffer: UnsafeRawBufferPointer, scratch: PCRE2Scratch) throws(MatchError) -> [MatchRange] {
        var result: [MatchRange] = []
        var position = 0
        while position <= buffer.count, let m = try firstMatch(in: buffer, from: position, scratch: scratch) {
            result.append(m)
            position = m.whole.isEmpty ? m.whole.upperBound + 1 : m.whole.upperBound
        }
        return result
    }
}

/// The set of bytes at which a pattern's match may start (see `PCRE2Pattern.startBytes`).
public struct StartBytes: Sendable {
    private var table: [Bool]

    /// Reads PCRE2's analysis of `code`: nil when it found no restriction.
    init?(_ code: OpaquePointer) {
        var table = [Bool](repeating: false, count: 256)
        var bitmap: UnsafePointer<UInt8>?
        var type: UInt32 = 0
        if pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTBITMAP), &bitmap) == 0, let bitmap {
            for b in 0..<256 where bitmap[b >> 3] & (1 << (b & 7)) != 0 { table[b] = true }
        } else if pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODETYPE), &type) == 0, type == 1 {
            var unit: UInt32 = 0
            pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODEUNIT), &unit)
            guard unit < 256 else { return nil }
            // The info does not say whether the unit is caseless: count both cases.
            let byte = UInt8(unit)
            table[Int(byte)] = true
            if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) { table[Int(byte ^ 0x20)] = true }
        } else if type == 2 {
            // Only at line starts: after a newline (the range's first position is added by `count`).
            table[0x0A] = true
        } else {
            return nil
        }
        self.table = table
    }

    public func contains(_ byte: UInt8) -> Bool { table[Int(byte)] }

    /// How many positions of `range` in `bytes` may start a match, plus one for the range's start.
    public func count(in bytes: UnsafeRawBufferPointer, _ range: ClosedRange<Int>) -> Int {
        let lo = max(0, range.lowerBound), hi = min(bytes.count - 1, range.upperBound)
        guard lo <= hi else { return 1 }
        var n = 1
        table.withUnsafeBufferPointer { t in
            for i in lo...hi where t[Int(bytes[i])] { n += 1 }
        }
        return n
    }
}

/// What one thread needs to run PCRE2 patterns: match data (the capture offsets), a match context
/// carrying the limits that bound backtracking, and a JIT stack. Not thread-safe: one per thread.
public final class PCRE2Scratch {
    // One byte, never written: a valid subject pointer for empty input.
    nonisolated(unsafe) static let emptySubject: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    private(set) var matchData: OpaquePointer
    private var pairs: Int
    let context: OpaquePointer
    private let jitStack: OpaquePointer?

    /// - Parameters:
    ///   - matchLimit: PCRE2's match limit (backtracking steps per search); bounds catastrophic patterns.
    ///   - depthLimit: the interpreter's backtracking depth limit (the JIT is bounded by its stack).
    ///   - heapLimitKiB: the interpreter's heap limit for backtracking frames.
    ///   - jitStackBytes: the largest JIT stack a search may grow.
    public init(matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000, heapLimitKiB: UInt32 = 20_000,
                jitStackBytes: Int = 1 << 20) {
        pairs = 16
        matchData = pcre2_match_data_create_8(UInt32(pairs), nil)!
        context = pcre2_match_context_create_8(nil)!
        pcre2_set_match_limit_8(context, matchLimit)
        pcre2_set_depth_limit_8(context, depthLimit)
        pcre2_set_heap_limit_8(context, heapLimitKiB)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, max(32 * 1024, jitStackBytes), nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(context)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
    }

    func reserve(pairs needed: Int) {
        guard needed > pairs else { return }
        pcre2_match_data_free_8(matchData)
        pairs = needed
        matchData = pcre2_match_data_create_8(UInt32(needed), nil)!
    }
}
