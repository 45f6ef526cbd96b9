import MoatBytes
import MoatCore

/// Runs the detector over a sequence of inputs and gathers a `ScanResult`.
struct ArtifactScan {
    var result: ScanResult
    let detector = ArtifactDetector()
    let started = Terminal.milliseconds()

    init(mode: String, root: String) { result = ScanResult(mode: mode, root: root) }

    /// Examines one input; `source` is only opened here so unreadable files become warnings.
    mutating func examine(path: PathBytes, blob: String? = nil, open: () throws -> ByteSource) {
        let source: ByteSource
        do { source = try open() } catch {
            result.warnings.append("\(path): skipped: \(error)")
            result.skip("unreadable")
            return
        }
        result.filesScanned += 1
        switch detector.examine(path: path, source: source, blob: blob) {
        case .finding(let f): result.findings.append(f)
        case .benign(let why) where why.hasPrefix("Git LFS pointer"): result.skip("lfs-pointers")
        case .benign, .clean: break
        }
        result.bytesRead += source.bytesRead
    }

    mutating func finish() -> ScanResult {
        result.durationMs = Terminal.milliseconds() - started
        return result
    }
}
