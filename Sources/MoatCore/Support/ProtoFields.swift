/// Protobuf fields of a message held in memory (a few KiB at most: a header, a table entry), for
/// formats whose messages are small enough to read whole. Malformed input ends the walk with nil.
struct ProtoFields {
    struct Field {
        var number: UInt64
        var wire: UInt64
        /// The varint value (wire type 0), or the length (wire type 2).
        var value: UInt64
        /// The payload of a length-delimited field (empty for other wire types).
        var body: Range<Int>
    }

    /// Every field of `b[range]` in order, or nil when one is malformed or runs past the range.
    static func parse(_ b: [UInt8], _ range: Range<Int>, maxFields: Int = 4_096) -> [Field]? {
        var out: [Field] = []
        var p = range.lowerBound
        let end = min(range.upperBound, b.count)
        while p < end {
            guard out.count < maxFields, let (tag, q) = ProtoWalk.varint(b, p), q <= end else { return nil }
            let number = tag >> 3, wire = tag & 7
            guard number >= 1, number < (1 << 29) else { return nil }
            switch wire {
            case 0:
                guard let (v, q2) = ProtoWalk.varint(b, q), q2 <= end else { return nil }
                out.append(Field(number: number, wire: 0, value: v, body: q2..<q2))
                p = q2
            case 1, 5:
                let n = wire == 1 ? 8 : 4
                guard end - q >= n else { return nil }
                out.append(Field(number: number, wire: wire, value: 0, body: q..<q))
                p = q + n
            case 2:
                guard let (n, q2) = ProtoWalk.varint(b, q), n <= UInt64(end - q2) else { return nil }
                out.append(Field(number: number, wire: 2, value: n, body: q2..<(q2 + Int(n))))
                p = q2 + Int(n)
            default:
                return nil
            }
        }
        return out
    }
}
