import Dispatch
import MoatBytes
import Synchronization

/// Opens files on disk, one worker per core; inputs are taken from a shared counter so a big file
/// does not hold up the rest.
public struct FileReader: InputReader {
    /// Below this many inputs per worker, threads cost more than they save.
    static let inputsPerWorker = 8

    public init() {}

    public func read(_ inputs: [ScanInput], workers: Int, deliver: @escaping @Sendable (Int, ReadOutcome) -> Void) throws(ScanError) {
        let n = max(1, min(workers, inputs.count / Self.inputsPerWorker))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: n) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < inputs.count else { return }
                deliver(i, Self.open(inputs[i]))
            }
        }
    }

    static func open(_ input: ScanInput) -> ReadOutcome {
        guard case .file(let absolute) = input.origin else { return .failed("\(input.path): not a file on disk") }
        do {
            return .source(try FileByteSource(path: absolute))
        } catch {
            return .failed("\(input.path): skipped: \(error)")
        }
    }
}
