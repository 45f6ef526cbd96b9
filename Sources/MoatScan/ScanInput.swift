import MoatBytes
import MoatGit

/// One thing to scan: the path the findings name, where the bytes come from, and their size as
/// known before reading (for progress). The bytes themselves are handed over by the batch's
/// `InputReader`, which picks the order (pack order for history) and the threads.
public struct ScanInput: Sendable {
    /// The path findings report, relative to the scanned root.
    public let path: PathBytes
    /// Size in bytes as listed (file system or object header); the reader's source has the real one.
    public let size: Int
    public let origin: InputOrigin

    public init(path: PathBytes, size: Int, origin: InputOrigin) {
        self.path = path
        self.size = size
        self.origin = origin
    }
}

/// Where an input's bytes live. The runner copies what it says into the findings (blob, commit,
/// provenance), so the detection core never sees git.
public enum InputOrigin: Sendable {
    /// A file on disk, opened at `absolutePath`.
    case file(absolutePath: PathBytes)
    /// A blob staged in the index.
    case index(blob: ObjectID)
    /// A blob of a history walk, with the commit that introduced it.
    case history(HistoryBlob)

    /// Whether the input is a git object: a failure to read it is a missing object, not a skipped file.
    var isObject: Bool {
        if case .file = self { return false }
        return true
    }
}

/// What reading one input gave.
public enum ReadOutcome {
    /// Bounded access to its bytes.
    case source(ByteSource)
    /// It could not be read: why, for one warning line.
    case failed(String)
}

/// Hands the bytes of a batch's inputs to the runner: each input exactly once, possibly on several
/// threads and in any order. The reader owns the order because it knows the storage (a pack is
/// decoded fastest in pack order).
public protocol InputReader {
    /// Calls `deliver(i, outcome)` once for every index of `inputs`, from up to `workers` threads.
    /// Throws only for failures that stop the whole batch (the repository cannot be opened).
    func read(_ inputs: [ScanInput], workers: Int, deliver: @escaping @Sendable (Int, ReadOutcome) -> Void) throws(ScanError)
}

/// A source's inputs and the reader that delivers their bytes.
public struct InputBatch {
    public var inputs: [ScanInput]
    public var reader: any InputReader

    public init(inputs: [ScanInput], reader: any InputReader) {
        self.inputs = inputs
        self.reader = reader
    }
}

/// A failure that stops a scan (exit 2): one line for people.
public struct ScanError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
