import Foundation
import MoatBytes
import MoatCore
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

    /// xorshift64*: small, fast, and the same sequence on every machine.
    struct XorShift: RandomNumberGenerator {
        var state: UInt64
        /// A generator for iteration `i` of run `seed`, its state mixed so neighbouring iterations differ.
        init(seed: UInt64, iteration: Int) {
            state = max(1, (UInt64(truncatingIfNeeded: iteration) &+ 1) &* 0x9E37_79B9_7F4A_7C15 ^ seed &* 0xD1B5_4A32_D192_ED03)
            for _ in 0..<4 { _ = next() }
        }
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

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

    static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80]
    static let hugeValues: [UInt64] = [
        0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000,
        0xFFFF, 0x1FFF_FFFF_FFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFF8,
    ]
    static let hugeNumbers = ["9223372036854775807", "18446744073709551615", "2305843009213693951", "4294967295", "-1", "0",
                              "9223372036854775808", "99999999999999999999999"]

    /// One mutation of `b` (never empty unless `b` is).
    static func mutateOnce(_ b: inout [UInt8], _ rng: inout XorShift) {
        guard !b.isEmpty else { return }
        // Headers hold the lengths: half the mutations land in the first 64 bytes.
        func position() -> Int { rng.chance(50) ? rng.below(min(64, b.count)) : rng.below(b.count) }
        switch rng.below(9) {
        case 0:  // bit flips
            for _ in 0...rng.below(4) { b[position()] ^= UInt8(1) << UInt8(rng.below(8)) }
        case 1:  // interesting bytes
            for _ in 0...rng.below(4) { b[position()] = interestingBytes[rng.below(interestingBytes.count)] }
        case 2:  // a length field (2, 4 or 8 bytes, either byte order) set to a huge value
            let width = [2, 4, 8][rng.below(3)]
            let at = position()
            let v = hugeValues[rng.below(hugeValues.count)]
            let bigEndian = rng.chance(25)
            for k in 0..<width where at + k < b.count {
                let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
                b[at + k] = UInt8(truncatingIfNeeded: v >> shift)
            }
        case 3:  // a decimal number in a text header (npy dict, JSON, pickle text) made huge
            let start = position()
            guard let d = b[start...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return }
            let end = b[d...].firstIndex { !($0 >= 0x30 && $0 <= 0x39) } ?? b.count
            b.replaceSubrange(d..<end, with: Array(hugeNumbers[rng.below(hugeNumbers.count)].utf8))
        case 4:  // truncation
            b.removeLast(b.count - rng.below(b.count))
        case 5:  // chunk duplication
            let from = rng.below(b.count), n = 1 + rng.below(min(4096, b.count - from))
            let chunk = Array(b[from..<(from + n)])
            b.insert(contentsOf: chunk, at: rng.below(b.count + 1))
        case 6:  // chunk deletion
            let from = rng.below(b.count), n = 1 + rng.below(min(4096, b.count - from))
            b.removeSubrange(from..<(from + n))
        case 7:  // a run of one byte (floods of one opcode, zeroed tables)
            let at = position(), n = 1 + rng.below(512)
            b.replaceSubrange(at..<min(b.count, at + n), with: repeatElement(interestingBytes.randomElement(using: &rng) ?? 0, count: n))
        default:  // random bytes
            for _ in 0...rng.below(8) { b[position()] = UInt8(truncatingIfNeeded: rng.next()) }
        }
    }

    /// The mutant of iteration `i`: a seed chosen by `i`, mutated 1-4 times by a generator of (seed, i).
    static func mutant(_ i: Int, seeds: [Seed], seed: UInt64) -> (Seed, [UInt8]) {
        var rng = XorShift(seed: seed, iteration: i)
        let s = seeds[i % seeds.count]
        var b = s.bytes
        for _ in 0...rng.below(4) { mutateOnce(&b, &rng) }
        return (s, b)
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

    func env(_ name: String) -> Int? { ProcessInfo.processInfo.environment[name].flatMap { Int($0) } }

    func testMutantsNeverTrapHangOrLeakControlCharacters() throws {
        let seeds = MutationFuzzTests.seeds()
        XCTAssertGreaterThan(seeds.count, 50, "fixtures missing")
        let iterations = env("MOAT_FUZZ_ITERATIONS") ?? MutationFuzzTests.defaultIterations
        let first = env("MOAT_FUZZ_FROM") ?? 0
        let seed = UInt64(env("MOAT_FUZZ_SEED") ?? 9)
        let save = ProcessInfo.processInfo.environment["MOAT_FUZZ_SAVE"]
        let trace = ProcessInfo.processInfo.environment["MOAT_FUZZ_TRACE"] == "1"
        let scanner = ContentScanner(secrets: SecretDetector())
        let t0 = Date()
        var slowest = (0.0, 0)
        var findings = 0
        for i in first..<(first + iterations) {
            let (s, b) = MutationFuzzTests.mutant(i, seeds: seeds, seed: seed)
            if let save { try Data(b).write(to: URL(fileURLWithPath: save)) }
            if trace { FileHandle.standardError.write(Data("fuzz-iteration \(i) \(s.path)\n".utf8)) }
            let start = Date()
            let path = PathBytes(s.path)
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
                    XCTFail("iteration \(i) (\(s.path)): control character in a finding: \(t.debugDescription)")
                }
            }
            let took = Date().timeIntervalSince(start)
            if took > slowest.0 { slowest = (took, i) }
            XCTAssertLessThan(took, MutationFuzzTests.maxSecondsPerInput, "iteration \(i) (\(s.path)) is slow")
            if iterations >= 10_000, (i - first + 1) % 10_000 == 0 {
                FileHandle.standardOutput.write(Data("fuzz: \(i - first + 1) executions, \(Int(Date().timeIntervalSince(t0))) s\n".utf8))
            }
        }
        let secs = Date().timeIntervalSince(t0)
        print("fuzz: \(iterations) executions from \(seeds.count) seeds (seed \(seed), from \(first)) in \(String(format: "%.1f", secs)) s;"
              + " \(findings) findings; slowest input \(String(format: "%.3f", slowest.0)) s (iteration \(slowest.1))")
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
