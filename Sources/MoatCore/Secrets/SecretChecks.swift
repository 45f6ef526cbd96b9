#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MoatMatch

/// The checks a captured secret goes through after its pattern matched: entropy, stopwords and
/// the offline validators. Bytes in, Bool out; no Foundation. `moat rules --test` runs them on
/// rule authors' examples.
public enum SecretChecks {
    /// Shannon entropy in bits per byte (the engine's implementation).
    public static func entropy<C: Collection>(_ bytes: C) -> Double where C.Element == UInt8 {
        Entropy.shannon(Array(bytes))
    }

    /// Whether `bytes` contains one of `words`, ASCII case-insensitively.
    public static func containsStopword(_ bytes: [UInt8], _ words: [String]) -> Bool {
        guard !words.isEmpty else { return false }
        let hay = bytes.map(lower)
        for w in words {
            let needle = Array(w.utf8).map(lower)
            if needle.isEmpty || needle.count > hay.count { continue }
            var i = 0
            while i + needle.count <= hay.count {
                if hay[i] == needle[0] && Array(hay[i..<i + needle.count]) == needle { return true }
                i += 1
            }
        }
        return false
    }

    /// Runs one offline validator.
    public static func validate(_ secret: [UInt8], _ validator: SecretRule.Validator) -> Bool {
        switch validator {
        case .none: return true
        case .githubChecksum: return githubChecksum(secret)
        case .jwt: return jwt(secret)
        case .pem: return pem(secret)
        case .awsKeyID: return awsKeyID(secret)
        }
    }

    // MARK: github-checksum

    static let base62Alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `prefix_` + payload + base62(CRC32(payload)) left-padded with '0' to 6 characters.
    public static func githubChecksum(_ s: [UInt8]) -> Bool {
        guard let underscore = s.firstIndex(of: UInt8(ascii: "_")) else { return false }
        let rest = Array(s[(underscore + 1)...])
        guard rest.count >= 7, rest.allSatisfy({ base62Alphabet.contains($0) }) else { return false }
        let payload = rest[..<(rest.count - 6)]
        return base62(crc32(payload), width: 6) == Array(rest[(rest.count - 6)...])
    }

    static func base62(_ value: UInt32, width: Int) -> [UInt8] {
        var n = value
        var out: [UInt8] = []
        while n > 0 {
            out.append(base62Alphabet[Int(n % 62)])
            n /= 62
        }
        while out.count < width { out.append(UInt8(ascii: "0")) }
        return out.reversed()
    }

    private static let crcTable: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE 802.3, as zlib's crc32).
    public static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    // MARK: jwt

    public static func jwt(_ s: [UInt8]) -> Bool {
        let parts = s.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count >= 3, let header = base64Decode(parts[0], urlSafe: true), !header.isEmpty else { return false }
        guard let json = JSONScanner.parse(header, 0..<header.count), json["alg"]?.string != nil else { return false }
        return true
    }

    // MARK: pem

    public static func pem(_ raw: [UInt8]) -> Bool {
        let s = unescapeNewlines(raw)
        let begin = Array("-----BEGIN ".utf8), end = Array("-----END ".utf8), dashes = Array("-----".utf8)
        guard let b = find(begin, in: s, from: 0),
              let labelEnd = find(dashes, in: s, from: b + begin.count) else { return false }
        let label = Array(s[(b + begin.count)..<labelEnd])
        let bodyStart = labelEnd + dashes.count
        guard let e = find(end, in: s, from: bodyStart),
              let endLabelEnd = find(dashes, in: s, from: e + end.count),
              Array(s[(e + end.count)..<endLabelEnd]) == label else { return false }
        var encrypted = false
        var lines: [[UInt8]] = []
        for line in s[bodyStart..<e].split(separator: 0x0A) {
            let t = trim(Array(line))
            if t.isEmpty { continue }
            if t.contains(UInt8(ascii: ":")) {
                if starts(t, "Proc-Type:") && find(Array("ENCRYPTED".utf8), in: t, from: 0) != nil { encrypted = true }
                continue
            }
            lines.append(t)
        }
        let isPGP = find(Array("PGP".utf8), in: label, from: 0) != nil
        if isPGP, let last = lines.last, last.first == UInt8(ascii: "=") { lines.removeLast() }
        // Whitespace inside lines is ignored too (keys whose newlines were turned into spaces).
        let body = lines.flatMap { $0 }.filter { $0 != 0x20 && $0 != 0x09 }
        guard let der = base64Decode(body[...], urlSafe: false), der.count >= 40 else { return false }
        if find(Array("OPENSSH".utf8), in: label, from: 0) != nil { return starts(der, "openssh-key-v1\u{0}") }
        if isPGP { return der[0] & 0x80 != 0 }
        if encrypted { return true }
        return der[0] == 0x30
    }

    // MARK: aws-key-id

    public static func awsKeyID(_ s: [UInt8]) -> Bool {
        guard s.count == 20 else { return false }
        let base32 = s[4...].allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "2") && $0 <= UInt8(ascii: "7")) }
        guard base32 else { return false }
        let prefix = String(decoding: s[0..<4], as: UTF8.self)
        if ["AKIA", "ASIA", "ABIA", "ACCA"].contains(prefix) { return true }
        let c = s[3]
        return prefix.hasPrefix("A3T") && ((c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")))
    }

    // MARK: helpers

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        var i = from
        while i <= hay.count - needle.count {
            if hay[i] == needle[0] && Array(hay[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }

    static func starts(_ bytes: [UInt8], _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return bytes.count >= p.count && Array(bytes[0..<p.count]) == p
    }

    static func trim(_ b: [UInt8]) -> [UInt8] {
        var lo = 0, hi = b.count
        while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 || b[lo] == 0x0D { lo += 1 }
        while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 || b[hi - 1] == 0x0D { hi -= 1 }
        return Array(b[lo..<hi])
    }

    /// Turns the two-byte escapes `\n` into a newline and drops `\r`, for keys pasted into JSON.
    static func unescapeNewlines(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if s[i] == UInt8(ascii: "\\"), i + 1 < s.count {
                if s[i + 1] == UInt8(ascii: "n") { out.append(0x0A); i += 2; continue }
                if s[i + 1] == UInt8(ascii: "r") { i += 2; continue }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    /// Decodes base64 (or base64url), padding optional; nil on any other byte.
    static func base64Decode(_ s: ArraySlice<UInt8>, urlSafe: Bool) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(s.count)
        var padding = 0
        for c in s {
            let v: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = c - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = c - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+") where !urlSafe, UInt8(ascii: "-") where urlSafe: v = 62
            case UInt8(ascii: "/") where !urlSafe, UInt8(ascii: "_") where urlSafe: v = 63
            case UInt8(ascii: "="):
                padding += 1
                if padding > 2 { return nil }
                continue
            default: return nil
            }
            if padding > 0 { return nil }   // data after padding
            values.append(v)
        }
        if values.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var i = 0
        while i + 4 <= values.count {
            let n = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6 | UInt32(values[i + 3])
            out.append(UInt8(n >> 16 & 0xFF)); out.append(UInt8(n >> 8 & 0xFF)); out.append(UInt8(n & 0xFF))
            i += 4
        }
        let rest = values.count - i
        if rest == 2 {
            out.append(values[i] << 2 | values[i + 1] >> 4)
        } else if rest == 3 {
            out.append(values[i] << 2 | values[i + 1] >> 4)
            out.append((values[i + 1] & 0x0F) << 4 | values[i + 2] >> 2)
        }
        return out
    }
}
