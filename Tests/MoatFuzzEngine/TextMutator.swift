/// Mutations for line-oriented text a person writes (YAML configuration and rule files, hook
/// input): lines duplicated, dropped, swapped and re-indented; deep flow and block nesting; anchor
/// and alias fans; scalars replaced by YAML specials, tags, huge numbers, 64 KiB strings, control
/// characters and bidirectional overrides; and, one time in three, a `ByteMutator` mutation.
public enum TextMutator {
    /// Scalars and fragments that change what a YAML node is.
    public static let specials = [
        "~", "null", "[]", "{}", "''", "\"\"", "!!binary AAAA", "!custom x", "*undefined", "&anchor x", "? [a, b]\n: c", "<<: *a",
        "---", "...", "%YAML 1.1", "|", ">-", "- ", "true", "-1", "1e999", "0x7FFFFFFFFFFFFFFF", "9223372036854775808", ".nan",
        "\"\\e[2J\\u202e\\r\\n\\0\"", "\"a\\nb\"", "'it''s'", "\t", "#", ": ", "\u{FEFF}", "\u{202E}evil", "@", "`",
    ]

    /// One mutation of `b`.
    public static func mutateOnce(_ b: inout [UInt8], _ rng: inout FuzzRandom) {
        if rng.chance(33) || b.isEmpty {
            if b.isEmpty { b = Array("a: b\n".utf8) }
            ByteMutator.mutateOnce(&b, &rng)
            return
        }
        var lines = b.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let i = rng.below(lines.count)
        switch rng.below(10) {
        case 0:  // a line repeated (duplicate keys, long lists)
            let n = lines[i].count > 1024 ? 2 : [1, 2, 10, 1000][rng.below(4)]
            lines.insert(contentsOf: repeatElement(lines[i], count: n), at: i)
        case 1:  // a line dropped
            lines.remove(at: i)
        case 2:  // two lines swapped
            lines.swapAt(i, rng.below(lines.count))
        case 3:  // re-indented
            let indent = rng.below(9)
            let body = lines[i].drop { $0 == 0x20 }
            lines[i] = Array(repeating: 0x20, count: indent) + body
        case 4:  // deep nesting: flow, block or mapping
            let depth = [10, 200, 999, 1001, 5000, 100_000][rng.below(6)]
            let open: [UInt8] = [Array("[".utf8), Array("{a: ".utf8), Array("- ".utf8)][rng.below(3)]
            lines.insert(Array("deep: ".utf8) + Array(repeating: open, count: depth).flatMap { $0 }, at: i)
        case 5:  // an anchor fanned out by aliases (a billion-laughs shape)
            var fan = ["l0: &l0 [x, x, x, x, x, x, x, x]"]
            for level in 1..<(2 + rng.below(8)) {
                fan.append("l\(level): &l\(level) [" + repeatElement("*l\(level - 1)", count: 8).joined(separator: ", ") + "]")
            }
            lines.insert(contentsOf: fan.map { Array($0.utf8) }, at: i)
        case 6:  // a value replaced by a special
            replaceValue(&lines[i], with: Array(specials[rng.below(specials.count)].utf8))
        case 7:  // a value replaced by a huge scalar
            let unit: [UInt8] = [Array("a".utf8), Array("é".utf8), [0x1B], Array("\u{202E}".utf8)][rng.below(4)]
            replaceValue(&lines[i], with: Array(repeating: unit, count: [100, 4096, 65_536][rng.below(3)]).flatMap { $0 })
        case 8:  // a key replaced by a long or odd one
            let key: [UInt8] = [Array(repeating: 0x6B, count: 10_000), Array("\u{1B}[31mred".utf8), [0x00], Array("\"a\\nb\"".utf8)][rng.below(4)]
            lines[i] = key + Array(": x".utf8)
        default:  // a line break or control character inside a line
            let at = rng.below(lines[i].count + 1)
            lines[i].insert([0x0A, 0x0D, 0x09, 0x1B, 0x00, 0x7F][rng.below(6)], at: at)
        }
        b = Array(lines.joined(separator: [0x0A]))
    }

    /// Replaces what follows the line's first `: ` or `- ` (the whole line when it has neither).
    static func replaceValue(_ line: inout [UInt8], with value: [UInt8]) {
        for k in line.indices.dropLast() where (line[k] == 0x3A || line[k] == 0x2D) && line[k + 1] == 0x20 {
            line = Array(line[...(k + 1)]) + value
            return
        }
        line = value
    }

    /// Mutants are cut to this: configs over 1 MiB are refused unread, and stacked floods would
    /// otherwise spend the run on sheer size rather than structure.
    public static let maxSize = 1 << 20

    /// `bytes` mutated 1-4 times.
    public static func mutant(of bytes: [UInt8], _ rng: inout FuzzRandom) -> [UInt8] {
        var b = bytes
        for _ in 0...rng.below(4) {
            mutateOnce(&b, &rng)
            if b.count > maxSize { b.removeLast(b.count - maxSize) }
        }
        return b
    }
}
