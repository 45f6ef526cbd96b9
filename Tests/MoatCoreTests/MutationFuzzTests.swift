import Foundation
import MoatBytes
import MoatCore
import MoatFuzzEngine
import XCTest

/// A deterministic mutation fuzzer over every fixture in `Tests/Fixtures`: bit flips, bytes set to
/// 0x00/0xFF/0x7F/0x80, length fields set to huge values, numbers in text headers replaced by huge
/// ones, truncations, chunk duplications and deletions, stacked 1-4 deep. Each mutant goes through
/// every sniffer (from memory and from a sequential stream) and the full `ContentScanner` with
/// secrets on. A trap (overflow, out-of-range index) kills the run; a slow input fails it.
///
/// `make test` runs a short pass (fixed seed, a few seconds). The long pass (`make fuzz`):
///
///     MOAT_FUZZ_ITERATIONS=200000 swift test --filter MutationFuzzTests
///
/// Other knobs: `MOAT_FUZZ_SEED` (default 9), `MOAT_FUZZ_FROM` (first iteration: every iteration
/// is derived from the seed and its own number alone, so a crash at iteration N replays with
/// `MOAT_FUZZ_FROM=N MOAT_FUZZ_ITERATIONS=1`), `MOAT_FUZZ_SAVE=<file>` (writes each mutant there
/// before it runs: after a crash the file holds the input that caused it), `MOAT_FUZZ_TRACE=1`
/// (each iteration's number and seed file on stderr before it runs: the last line names a crash).
final class MutationFuzzTests: XCTestCase {
    static let defaultIterations = 600
    /// Longest any one mutant may take through every sniffer and the content scanner.
    static let maxSecondsPerInput = 5.0

    struct Seed { let path: String; let bytes: [UInt8] }

    /// Every fixture file (sorted, so the run is the same everywhere), cut to 256 KiB.
    static func seeds() -> [Seed] {
        let root = fixturesRoot.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [Seed] = []
        for case let rel as String in walker {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue else { continue }
            let bytes = fixture(rel)
            if !bytes.isEmpty { out.append(Seed(path: rel, bytes: Array(bytes.prefix(256 << 10)))) }
        }
        return out.sorted { $0.path < $1.path }
    }

    /// The mutant of iteration `i`: a seed chosen by `i`, mutated 1-4 times by a generator of (seed, i).
    static func mutant(_ i: Int, seeds: [Seed], seed: UInt64) -> (Seed, [UInt8]) {
        var rng = FuzzRandom(seed: seed, iteration: i)
        let s = seeds[i % seeds.count]
        return (s, ByteMutator.mutant(of: s.bytes, &rng))
    }

    /// A sequential source over `bytes`, served in odd-sized pulls (the git stream path).
    static func stream(_ bytes: [UInt8]) -> StreamByteSource {
        var served = 0
        return StreamByteSource(size: bytes.count, cap: 8 << 20) { buf, want in
            let n = min(want, bytes.count - served, 40_000)
            guard n > 0 else { return false }
            buf += bytes[served..<(served + n)]
            served += n
            return true
        }
    }

    func testMutantsNeverTrapHangOrLeakControlCharacters() throws {
        let seeds = MutationFuzzTests.seeds()
        XCTAssertGreaterThan(seeds.count, 50, "fixtures missing")
        let run = FuzzRun(name: "fuzz", defaultIterations: MutationFuzzTests.defaultIterations, maxSeconds: MutationFuzzTests.maxSecondsPerInput)
        let scanner = ContentScanner(secrets: SecretDetector())
        var findings = 0
        run.run(mutant: { i, _ in
            let (s, b) = MutationFuzzTests.mutant(i, seeds: seeds, seed: run.seed)
            return (s.path, b)
        }, slow: { i, name, took in
            XCTFail("iteration \(i) (\(name)) is slow: \(took) s")
        }) { i, name, b in
            let path = PathBytes(name)
            for sniffer in SnifferRegistry.all {
                _ = sniffer.sniff(SniffInput(path: path, source: MemoryByteSource(b)))
            }
            if i % 4 == 0 {
                for sniffer in SnifferRegistry.all { _ = sniffer.sniff(SniffInput(path: path, source: MutationFuzzTests.stream(b))) }
            }
            let outcome = scanner.examine(path: path, source: MemoryByteSource(b))
            for f in outcome.findings {
                findings += 1
                let texts = [f.message, f.label] + f.summary.dtypes + f.summary.notes + [f.summary.architecture ?? "", f.summary.optimizer ?? ""]
                    + f.summary.details.flatMap { [$0.0, $0.1] } + [f.secret?.preview ?? "", f.secret?.why ?? ""]
                for t in texts where t.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) }) {
                    XCTFail("iteration \(i) (\(name)): control character in a finding: \(t.debugDescription)")
                }
            }
        }
        print("fuzz: \(findings) findings checked from \(seeds.count) seeds")
    }

    func testMutationsAreDeterministic() {
        let seeds = [Seed(path: "a", bytes: Array(0..<200)), Seed(path: "b", bytes: Array("{'descr': '<f4', 'shape': (3, 4), }".utf8))]
        for i in 0..<50 {
            XCTAssertEqual(MutationFuzzTests.mutant(i, seeds: seeds, seed: 9).1, MutationFuzzTests.mutant(i, seeds: seeds, seed: 9).1)
        }
        XCTAssertNotEqual((0..<20).map { MutationFuzzTests.mutant($0, seeds: seeds, seed: 9).1 },
                          (0..<20).map { MutationFuzzTests.mutant($0, seeds: seeds, seed: 10).1 })
    }
}
