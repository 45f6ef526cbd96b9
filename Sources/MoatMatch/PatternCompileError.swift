/// A pattern PCRE2 (or vectorscan) refused, with the byte offset in the pattern where it gave up.
public struct PatternCompileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset into the pattern text.
    public var offset: Int
    /// The library's error code.
    public var code: Int
    /// The library's message.
    public var message: String

    public init(offset: Int, code: Int, message: String) {
        self.offset = offset
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) (at offset \(offset))" }
}
