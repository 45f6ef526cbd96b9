import Foundation

/// The loop every mutation fuzzer runs, with the knobs of docs/fuzzing.md read from the environment:
/// `MOAT_FUZZ_ITERATIONS` (default: the test's short pass), `MOAT_FUZZ_FROM` (first iteration),
/// `MOAT_FUZZ_SEED` (default 9), `MOAT_FUZZ_SAVE=<file>` (each mutant written there before it runs:
/// after a crash the file holds the input that caused it), `MOAT_FUZZ_TRACE=1` (each iteration's
/// number and seed name on stderr before it runs: the last line names a crash).
public struct FuzzRun {
    public let name: String
    public let iterations: Int
    public let first: Int
    public let seed: UInt64
    public let save: String?
    public let trace: Bool
    /// Longest one input may take.
    public let maxSeconds: Double

    public init(name: String, defaultIterations: Int, maxSeconds: Double = 5) {
        let env = ProcessInfo.processInfo.environment
        func number(_ key: String) -> Int? { env[key].flatMap { Int($0) } }
        self.name = name
        iterations = number("MOAT_FUZZ_ITERATIONS") ?? defaultIterations
        first = number("MOAT_FUZZ_FROM") ?? 0
        seed = UInt64(number("MOAT_FUZZ_SEED") ?? 9)
        save = env["MOAT_FUZZ_SAVE"]
        trace = env["MOAT_FUZZ_TRACE"] == "1"
        self.maxSeconds = maxSeconds
    }

    /// Runs `body` on mutant `i` for every iteration: `mutant(i, rng)` gives the seed's name and the
    /// bytes, `body` checks them. Calls `slow` for an input over `maxSeconds`. Returns a summary line
    /// (also printed), with progress every 10,000 executions on long runs.
    @discardableResult
    public func run(mutant: (Int, inout FuzzRandom) -> (String, [UInt8]), slow: (Int, String, Double) -> Void,
                    body: (Int, String, [UInt8]) throws -> Void) rethrows -> String {
        let t0 = Date()
        var slowest = (0.0, 0)
        for i in first..<(first + iterations) {
            var rng = FuzzRandom(seed: seed, iteration: i)
            let (seedName, bytes) = mutant(i, &rng)
            if let save { try? Data(bytes).write(to: URL(fileURLWithPath: save)) }
            if trace { FileHandle.standardError.write(Data("fuzz-iteration \(i) \(seedName)\n".utf8)) }
            let start = Date()
            try body(i, seedName, bytes)
            let took = Date().timeIntervalSince(start)
            if took > slowest.0 { slowest = (took, i) }
            if took > maxSeconds { slow(i, seedName, took) }
            if iterations >= 10_000, (i - first + 1) % 10_000 == 0 {
                FileHandle.standardOutput.write(Data("\(name): \(i - first + 1) executions, \(Int(Date().timeIntervalSince(t0))) s\n".utf8))
            }
        }
        let line = "\(name): \(iterations) executions (seed \(seed), from \(first)) in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s;"
            + " slowest input \(String(format: "%.3f", slowest.0)) s (iteration \(slowest.1))"
        print(line)
        return line
    }
}
