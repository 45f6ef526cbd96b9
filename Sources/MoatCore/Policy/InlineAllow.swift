/// `moat:allow` comments in text: a secret on the comment's line or on the line below it is
/// accepted. An optional rule id after the marker limits it to that rule; the rest of the comment
/// is the reason:
///
/// ```
/// API_KEY = "sk-test-..."   # moat:allow secret.openai-api-key test fixture
/// # moat:allow known public demo key
/// DEMO_KEY = "..."
/// ```
enum InlineAllow {
    static let marker = Array("moat:allow".utf8)
    /// How far a line is searched either side of a match: a minified file has megabyte lines.
    static let lineLimit = 4096

    /// The reason given by a `moat:allow` that covers the match at `offset`, or nil. `ruleIDs`
    /// are the names the rule answers to (`secret.aws-access-key-id`, `aws-access-key-id`).
    static func reason(in text: UnsafeRawBufferPointer, at offset: Int, ruleIDs: [String]) -> String? {
        guard offset >= 0, offset <= text.count else { return nil }
        let lineStart = start(of: offset, in: text)
        var from = lineStart
        if lineStart > 0 { from = start(of: lineStart - 1, in: text) }
        var end = offset
        while end < text.count, end - offset < lineLimit, text[end] != 0x0A { end += 1 }
        guard let at = find(marker, in: text, from: from, to: end) else { return nil }
        // The words after the marker, up to the end of its line.
        var stop = at + marker.count
        while stop < end, text[stop] != 0x0A { stop += 1 }
        let rest = String(decoding: UnsafeRawBufferPointer(rebasing: text[(at + marker.count)..<stop]), as: UTF8.self)
        var words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" || $0 == "\r" }).map(String.init)
        while let last = words.last, ["*/", "-->", "#}", "%>", "--%>"].contains(last) { words.removeLast() }
        if let first = words.first, first.contains("."), first.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" || $0 == "*" }) {
            guard ruleIDs.contains(first) || (first.hasSuffix("*") && ruleIDs.contains { $0.hasPrefix(first.dropLast()) }) else { return nil }
            words.removeFirst()
        }
        return words.joined(separator: " ")
    }

    /// The first byte of the line holding `offset` (searching back at most `lineLimit` bytes).
    static func start(of offset: Int, in text: UnsafeRawBufferPointer) -> Int {
        var i = min(offset, text.count)
        while i > 0, offset - i < lineLimit, text[i - 1] != 0x0A { i -= 1 }
        return i
    }

    static func find(_ needle: [UInt8], in text: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard to - from >= needle.count else { return nil }
        var i = from
        while i + needle.count <= to {
            if text[i] == needle[0] {
                var k = 1
                while k < needle.count, text[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
