/// Little helpers to read integers from byte arrays without trapping on short input.
extension Array where Element == UInt8 {
    @inlinable func u16le(_ i: Int) -> UInt16? {
        guard i >= 0, i + 2 <= count else { return nil }
        return UInt16(self[i]) | UInt16(self[i + 1]) << 8
    }
    @inlinable func u32le(_ i: Int) -> UInt32? {
        guard i >= 0, i + 4 <= count else { return nil }
        return UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }
    @inlinable func u64le(_ i: Int) -> UInt64? {
        guard let lo = u32le(i), let hi = u32le(i + 4) else { return nil }
        return UInt64(lo) | UInt64(hi) << 32
    }
    /// Whether the bytes at `i` equal `literal`.
    @inlinable func has(_ literal: [UInt8], at i: Int) -> Bool {
        guard i >= 0, i + literal.count <= count else { return false }
        for k in 0..<literal.count where self[i + k] != literal[k] { return false }
        return true
    }
    /// Index of the first occurrence of `needle` at or after `from`.
    func firstRange(of needle: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty, count >= needle.count else { return nil }
        let first = needle[0]
        var i = Swift.max(0, from)
        let last = count - needle.count
        while i <= last {
            if self[i] == first && has(needle, at: i) { return i }
            i += 1
        }
        return nil
    }
}

extension ArraySlice where Element == UInt8 {
    /// Whether the slice contains `needle`.
    func contains(_ needle: [UInt8]) -> Bool { Array(self).firstRange(of: needle) != nil }
}

/// Byte literals from ASCII strings, for magics.
@inlinable func ascii(_ s: StaticString) -> [UInt8] {
    Array(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
}

// MARK: checked arithmetic
//
// Every size, count and offset read from content is hostile: an unchecked `+` or `*` on it traps
// (overflow checks stay on in release builds, on purpose). Parsers combine such values only
// through these helpers, which answer nil (or saturate) instead of trapping.

/// Multiplies non-negative counts, returning nil on overflow or a negative factor.
func checkedProduct<S: Sequence>(_ dims: S) -> Int? where S.Element == Int {
    var p = 1
    for d in dims {
        guard d >= 0 else { return nil }
        let (r, o) = p.multipliedReportingOverflow(by: d)
        if o { return nil }
        p = r
    }
    return p
}

/// `a + b`, or nil when it overflows.
@inlinable func checkedSum(_ a: Int, _ b: Int) -> Int? {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? nil : r
}

/// `a * b`, or nil when it overflows.
@inlinable func checkedMul(_ a: Int, _ b: Int) -> Int? {
    let (r, o) = a.multipliedReportingOverflow(by: b)
    return o ? nil : r
}

/// Adds non-negative counts, saturating instead of trapping.
@inlinable func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? (b < 0 ? Int.min : Int.max) : r
}

/// `ceil(bits / 8)` without the `bits + 7` that overflows near `Int.max`.
@inlinable func bytesForBits(_ bits: Int) -> Int { bits / 8 + (bits % 8 != 0 ? 1 : 0) }
