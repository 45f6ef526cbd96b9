/// Binary mutations for parsers of hostile bytes: bit flips, bytes set to 0x00/0xFF/0x7F/0x80,
/// length fields set to huge values, decimal numbers made huge, truncation, chunk duplication and
/// deletion, one-byte floods, random bytes. Half the positioned mutations land in the first 64
/// bytes, where headers hold the lengths.
///
/// The sequence of mutations a generator state yields is part of the recorded fuzz runs
/// (docs/fuzzing.md): changing it changes which mutants a seed names.
public enum ByteMutator {
    public static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80]
    public static let hugeValues: [UInt64] = [
        0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000,
        0xFFFF, 0x1FFF_FFFF_FFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFF8,
    ]
    public static let hugeNumbers = ["9223372036854775807", "18446744073709551615", "2305843009213693951", "4294967295", "-1", "0",
                                     "9223372036854775808", "99999999999999999999999"]

    /// One mutation of `b` (never empty unless `b` is).
    public static func mutateOnce(_ b: inout [UInt8], _ rng: inout FuzzRandom) {
        guard !b.isEmpty else { return }
        func position() -> Int { rng.chance(50) ? rng.below(min(64, b.count)) : rng.below(b.count) }
        switch rng.below(9) {
        case 0:  // bit flips
            for _ in 0...rng.below(4) { b[position()] ^= UInt8(1) << UInt8(rng.below(8)) }
        case 1:  // interesting bytes
            for _ in 0...rng.below(4) { b[position()] = interestingBytes[rng.below(interestingBytes.count)] }
        case 2:  // a length field (2, 4 or 8 bytes, either byte order) set to a huge value
            let width = [2, 4, 8][rng.below(3)]
            let at = position()
            let v = hugeValues[rng.below(hugeValues.count)]
            let bigEndian = rng.chance(25)
            for k in 0..<width where at + k < b.count {
                let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
                b[at + k] = UInt8(truncatingIfNeeded: v >> shift)
            }
        case 3:  // a decimal number in a text header made huge
            let start = position()
            guard let d = b[start...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return }
            let end = b[d...].firstIndex { !($0 >= 0x30 && $0 <= 0x39) } ?? b.count
            b.replaceSubrange(d..<end, with: Array(hugeNumbers[rng.below(hugeNumbers.count)].utf8))
        case 4:  // truncation
            b.removeLast(b.count - rng.below(b.count))
        case 5:  // chunk duplication
            let from = rng.below(b.count), n = 1 + rng.below(min(4096, b.count - from))
            let chunk = Array(b[from..<(from + n)])
            b.insert(contentsOf: chunk, at: rng.below(b.count + 1))
        case 6:  // chunk deletion
            let from = rng.below(b.count), n = 1 + rng.below(min(4096, b.count - from))
            b.removeSubrange(from..<(from + n))
        case 7:  // a run of one byte (floods of one opcode, zeroed tables)
            let at = position(), n = 1 + rng.below(512)
            b.replaceSubrange(at..<min(b.count, at + n), with: repeatElement(interestingBytes.randomElement(using: &rng) ?? 0, count: n))
        default:  // random bytes
            for _ in 0...rng.below(8) { b[position()] = UInt8(truncatingIfNeeded: rng.next()) }
        }
    }

    /// `bytes` mutated 1-4 times.
    public static func mutant(of bytes: [UInt8], _ rng: inout FuzzRandom) -> [UInt8] {
        var b = bytes
        for _ in 0...rng.below(4) { mutateOnce(&b, &rng) }
        return b
    }
}
