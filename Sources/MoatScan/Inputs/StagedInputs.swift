import MoatBytes
import MoatCore
import MoatGit

/// What the next `git commit` would record (`moat staged`, the pre-commit hook): the index against HEAD.
public enum StagedInputs {
    /// The staged blobs of `repository`, with skipped submodules and symlinks recorded in `result`.
    public static func collect(_ staged: StagedSource, into result: inout ScanResult) -> InputBatch {
        result.skip(.submodules, count: staged.skippedSubmodules)
        result.skip(.symlinks, count: staged.skippedSymlinks)
        let inputs = staged.blobs.map { ScanInput(path: $0.path, size: $0.size, origin: .index(blob: $0.blob)) }
        return InputBatch(inputs: inputs, reader: StagedReader(staged: staged))
    }
}

/// Reads staged blobs on the calling thread: a commit stages a handful of files, and the
/// repository handle behind `StagedSource` is not shared between threads.
struct StagedReader: InputReader {
    let staged: StagedSource

    func read(_ inputs: [ScanInput], workers: Int, deliver: @escaping @Sendable (Int, ReadOutcome) -> Void) throws(ScanError) {
        for (i, blob) in staged.blobs.enumerated() where i < inputs.count {
            do {
                deliver(i, .source(try staged.content(of: blob)))
            } catch {
                deliver(i, .failed("\(blob.path): cannot read staged blob \(blob.blob): \(error)"))
            }
        }
    }
}
