import CGit2

/// A failure from the git layer, as one line of text fit to show the user.
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// The libgit2 return code (negative), or -1 for failures outside libgit2.
    public let code: Int32
    /// One line, no trailing newline.
    public let message: String

    public init(code: Int32 = -1, message: String) {
        self.code = code
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var description: String { message }

    /// The error libgit2 recorded for the failing call `what` on this thread. Call it right after
    /// the failing call: libgit2 keeps one error per thread and the next call may replace it.
    static func last(_ code: Int32, _ what: String) -> GitError {
        let detail = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error \(code)"
        return GitError(code: code, message: "\(what): \(detail)")
    }

    /// Throws the last libgit2 error when `code` is negative.
    static func check(_ code: Int32, _ what: @autoclosure () -> String) throws(GitError) {
        if code < 0 { throw last(code, what()) }
    }
}
