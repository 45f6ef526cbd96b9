import MoatBytes

/// A regular file found by `WorkTreeWalker`.
public struct WalkedFile: Hashable, Sendable {
    /// The path to show: the argument as shown (`WorkTreeWalker.walk(_:shownAs:_:)`), joined with
    /// the names below it (`models/x.bin` for the argument `models`).
    public let path: PathBytes
    /// An absolute path to open the file with.
    public let absolutePath: PathBytes
    /// The size `lstat` reported.
    public let size: Int
}
