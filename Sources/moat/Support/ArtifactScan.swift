import Dispatch
import MoatBytes
import MoatCore

/// Runs the content scanner over inputs and gathers a `ScanResult`.
struct ArtifactScan {
    var result: ScanResult
    let scanner: ContentScanner
    let started = Terminal.milliseconds()

    init(mode: String, root: String, scanner: ContentScanner) {
        result = ScanResult(mode: mode, root: root)
        self.scanner = scanner
    }

    /// What examining one input produced, before it is merged into the result.
    enum Item: Sendable {
        case outcome(ContentScanner.Outcome, bytesRead: Int)
        case unreadable(String)
    }

    /// Examines one input; `open` is called here so an unreadable file becomes a warning.
    static func examine(_ scanner: ContentScanner, path: PathBytes, blob: String? = nil, open: () throws -> ByteSource) -> Item {
        let source: ByteSource
        do { source = try open() } catch { return .unreadable("\(path): skipped: \(error)") }
        let outcome = scanner.examine(path: path, source: source, blob: blob)
        return .outcome(outcome, bytesRead: source.bytesRead)
    }

    mutating func add(_ item: Item) {
        switch item {
        case .unreadable(let why):
            result.warnings.append(why)
            result.skip("unreadable")
        case .outcome(let outcome, let bytesRead):
            result.filesScanned += 1
            result.bytesRead += bytesRead
            result.findings += outcome.findings
            if let why = outcome.benign, why.hasPrefix("Git LFS pointer") { result.skip("lfs-pointers") }
        }
    }

    mutating func examine(path: PathBytes, blob: String? = nil, open: () throws -> ByteSource) {
        add(ArtifactScan.examine(scanner, path: path, blob: blob, open: open))
    }

    /// Examines files on disk with one worker per core; results merge in input order.
    mutating func examineFiles(_ files: [(display: PathBytes, open: PathBytes)]) {
        let workers = max(1, min(System.activeCores, files.count / 8))
        guard workers > 1 else {
            for f in files { examine(path: f.display) { try FileByteSource(path: f.open) } }
            return
        }
        let items = UnsafeMutableBufferPointer<Item?>.allocate(capacity: files.count)
        items.initialize(repeating: nil)
        defer { items.deallocate() }
        let next = AtomicCounter()
        let scanner = self.scanner
        let shared = SendableBuffer(items)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.increment()
                guard i < files.count else { return }
                shared.buffer[i] = ArtifactScan.examine(scanner, path: files[i].display) { try FileByteSource(path: files[i].open) }
            }
        }
        for case let item? in items { add(item) }
    }

    mutating func finish() -> ScanResult {
        result.durationMs = Terminal.milliseconds() - started
        return result
    }
}

/// Each worker writes only the slots it claimed from the counter, so sharing the buffer is safe.
struct SendableBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}
