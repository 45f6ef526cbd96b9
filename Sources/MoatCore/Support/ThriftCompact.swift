/// A bounded reader of Thrift's compact protocol (the encoding of Parquet's footer), over bytes
/// already read. Every read checks the bounds and a node budget; nesting is capped, so a crafted
/// footer costs at most `budget` steps and never traps.
struct ThriftCompact {
    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    let b: [UInt8]
    private(set) var i: Int
    private var budget: Int
    static let maxDepth = 32

    init(_ bytes: [UInt8], at offset: Int = 0, budget: Int = 1 << 20) {
        b = bytes
        i = offset
        self.budget = budget
    }

    private mutating func spend() -> Bool {
        budget -= 1
        return budget >= 0
    }

    mutating func byte() -> UInt8? {
        guard i < b.count else { return nil }
        defer { i += 1 }
        return b[i]
    }

    mutating func varint() -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64, let c = byte() {
            if shift == 63 && c > 1 { return nil }
            v |= UInt64(c & 0x7F) << shift
            if c & 0x80 == 0 { return v }
            shift += 7
        }
        return nil
    }

    /// A zigzag-encoded signed integer (i16, i32 and i64 alike).
    mutating func zigzag() -> Int64? {
        guard let v = varint() else { return nil }
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    /// The next field header of a struct: nil at STOP or on malformed input (`failed` tells them apart).
    mutating func field(after last: inout Int16, failed: inout Bool) -> (id: Int16, type: FieldType)? {
        guard spend(), let h = byte() else { failed = true; return nil }
        if h == 0 { return nil }
        guard let type = FieldType(rawValue: h & 0x0F) else { failed = true; return nil }
        let delta = Int16(h >> 4)
        if delta != 0 {
            let (id, o) = last.addingReportingOverflow(delta)
            guard !o else { failed = true; return nil }
            last = id
        } else {
            guard let z = zigzag(), let id = Int16(exactly: z) else { failed = true; return nil }
            last = id
        }
        return (last, type)
    }

    /// A list or set header: element count and type.
    mutating func listHeader() -> (count: Int, type: FieldType)? {
        guard let h = byte(), let type = FieldType(rawValue: h & 0x0F) else { return nil }
        var n = Int(h >> 4)
        if n == 15 {
            guard let v = varint(), v <= UInt64(b.count) else { return nil }
            n = Int(v)
        }
        // Every element takes at least one byte (booleans in lists do): a count beyond the bytes left is a lie.
        guard n <= b.count - i else { return nil }
        return (n, type)
    }

    /// A binary or string value of at most `limit` bytes kept (the rest is skipped).
    mutating func binary(limit: Int = 1024) -> [UInt8]? {
        guard let n = varint(), n <= UInt64(b.count - i) else { return nil }
        let len = Int(n)
        defer { i += len }
        return Array(b[i..<(i + min(len, limit))])
    }

    /// Skips one value of `type`.
    mutating func skip(_ type: FieldType, depth: Int = 0) -> Bool {
        guard spend(), depth < ThriftCompact.maxDepth else { return false }
        switch type {
        case .boolTrue, .boolFalse: return true
        case .byte: return byte() != nil
        case .i16, .i32, .i64: return varint() != nil
        case .double:
            guard b.count - i >= 8 else { return false }
            i += 8
            return true
        case .binary: return binary(limit: 0) != nil
        case .list, .set:
            guard let (n, t) = listHeader() else { return false }
            for _ in 0..<n {
                if t == .boolTrue || t == .boolFalse { guard byte() != nil else { return false }; continue }
                guard skip(t, depth: depth + 1) else { return false }
            }
            return true
        case .map:
            guard let n = varint(), n <= UInt64(b.count - i) else { return false }
            if n == 0 { return true }
            guard let kv = byte(), let k = FieldType(rawValue: kv >> 4), let v = FieldType(rawValue: kv & 0x0F) else { return false }
            for _ in 0..<Int(n) {
                guard skip(k, depth: depth + 1), skip(v, depth: depth + 1) else { return false }
            }
            return true
        case .structure:
            var last: Int16 = 0
            var failed = false
            while let (_, t) = field(after: &last, failed: &failed) {
                guard skip(t, depth: depth + 1) else { return false }
            }
            return !failed
        }
    }
}
