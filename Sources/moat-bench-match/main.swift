// moat-bench-match: throughput of the MoatMatch engine on a corpus of real text.
//
//   moat-bench-match --corpus PREFIX --rules PATH [--rules PATH ...] [--threads N] [--cache DIR]
//
// PREFIX.bin holds the files back to back, PREFIX.idx their start offsets (one per line), as
// bench/match-corpus.py writes them. PATH is a rule YAML file (`secret_rules`), a folder of
// `secrets-*.yaml` files, or a TSV file (id, keywords comma-separated, multiline 0/1, slow 0/1,
// pattern). Prints one "key: value" line per measurement. Run it through bench/match.sh.
// Environment: MOAT_BENCH_REFERENCE=1 also runs one PCRE2 pass of every rule over every file and
// compares (slow); MOAT_BENCH_PROFILE_COMPILE=1 compiles each rule alone and lists the slowest;
// MOAT_BENCH_UNBOUNDED=1 lists the rules whose longest match is unbounded (default windows).
import Dispatch
import Foundation
import MoatMatch
import Synchronization
import Yams

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("moat-bench-match: \(message)\n".utf8))
    exit(2)
}

var corpusPrefix: String?
var rulePaths: [String] = []
var threads = 2
var cacheDirectory = NSTemporaryDirectory() + "moat-bench-match-cache"
nonisolated(unsafe) var arguments = CommandLine.arguments.dropFirst().makeIterator()
func value(_ flag: String) -> String {
    guard let v = arguments.next() else { fail("\(flag) needs a value") }
    return v
}
while let a = arguments.next() {
    switch a {
    case "--corpus": corpusPrefix = value(a)
    case "--rules": rulePaths.append(value(a))
    case "--threads":
        guard let n = Int(value(a)), n > 0 else { fail("--threads needs a number") }
        threads = n
    case "--cache": cacheDirectory = value(a)
    default: fail("unknown argument \(a)")
    }
}
guard let corpusPrefix, !rulePaths.isEmpty else { fail("usage: --corpus PREFIX --rules PATH") }

// MARK: Rules

func loadYAML(_ path: String) -> [PatternSpec] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
          let loaded = try? Yams.load(yaml: text), let doc = loaded as? [String: Any] else { fail("cannot read \(path)") }
    let rules = doc["secret_rules"] as? [[String: Any]] ?? []
    return rules.compactMap { r in
        guard let id = r["id"] as? String, let pattern = r["pattern"] as? String else { return nil }
        return PatternSpec(id: id, pattern: pattern, keywords: (r["keywords"] as? [Any] ?? []).map { "\($0)" },
                           multiline: r["multiline"] as? Bool ?? false, slow: r["slow"] as? Bool ?? false)
    }
}

func loadTSV(_ path: String) -> [PatternSpec] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
    return text.split(separator: "\n").compactMap { line in
        let f = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        guard f.count == 5 else { return nil }
        return PatternSpec(id: f[0], pattern: f[4], keywords: f[1].split(separator: ",").map(String.init),
                           multiline: f[2] == "1", slow: f[3] == "1")
    }
}

nonisolated(unsafe) var specs: [PatternSpec] = []
for path in rulePaths {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file \(path)") }
    if isDirectory.boolValue {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for f in files.sorted() where f.hasPrefix("secrets-") && f.hasSuffix(".yaml") { specs += loadYAML(path + "/" + f) }
    } else if path.hasSuffix(".tsv") {
        specs += loadTSV(path)
    } else {
        specs += loadYAML(path)
    }
}
var refused: [String] = []
specs = specs.filter { s in
    do { _ = try PCRE2Pattern(s.pattern, jit: false); return true } catch {
        refused.append("\(s.id): \(error)")
        return false
    }
}
print("rules: \(specs.count) (\(specs.filter { $0.slow }.count) slow, \(specs.filter { $0.multiline }.count) multiline, \(refused.count) refused by PCRE2)")
for r in refused.prefix(10) { print("  refused \(r)") }

// MARK: Corpus

guard let corpusData = FileManager.default.contents(atPath: corpusPrefix + ".bin"),
      let indexText = try? String(contentsOfFile: corpusPrefix + ".idx", encoding: .utf8) else { fail("cannot read corpus \(corpusPrefix)") }
let corpus = [UInt8](corpusData)
var starts = indexText.split(separator: "\n").compactMap { Int($0) }
starts.append(corpus.count)
let files: [Range<Int>] = zip(starts, starts.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
let megabytes = Double(corpus.count) / 1_000_000
print("corpus: \(String(format: "%.1f", megabytes)) MB in \(files.count) files")

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

// MARK: Database compile and cache

if ProcessInfo.processInfo.environment["MOAT_BENCH_PROFILE_COMPILE"] != nil {
    // Compile each rule alone: which ones make the database slow to build.
    var each: [(Double, String)] = []
    for s in specs { each.append((try seconds { _ = try VectorscanDatabase.compile([s]) }, s.id)) }
    for (t, id) in each.sorted(by: { $0.0 > $1.0 }).prefix(15) { print("  compile alone \(id): \(ms(t))") }
}

let cache = DatabaseCache(directory: cacheDirectory)
var compiled: VectorscanDatabase!
let compileTime = try seconds { compiled = try VectorscanDatabase.compile(specs) }
let serialized = try compiled.serialize()
var kinds: [String: Int] = [:]
for k in compiled.ruleKinds {
    switch k {
    case .pattern?: kinds["pattern", default: 0] += 1
    case .prefilter?: kinds["prefilter", default: 0] += 1
    case .keyword?: kinds["keywords", default: 0] += 1
    case nil: kinds["slow", default: 0] += 1
    }
}
print("database: \(compiled.entries.count) expressions; rules by form \(kinds.sorted { $0.key < $1.key }); \(serialized.count / 1024) KiB serialized; vectorscan \(VectorscanDatabase.version)")
print("database compile: \(ms(compileTime))")
_ = try VectorscanDatabase.load(specs, cache: cache)   // make sure the cache holds it
var loads: [Double] = []
for _ in 0..<21 { loads.append(seconds { precondition(VectorscanDatabase.cached(specs, cache: cache) != nil) }) }
print("database cached load (read + check key + deserialize): \(ms(median(loads))) median of 21")

// MARK: Hook-sized start: matcher without a database, one small input

var hookTimes: [Double] = []
let hookInput = Array(corpus[files[0].lowerBound..<min(files[0].lowerBound + 10_000, corpus.count)]) + Array("\nHF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH\n".utf8)
for _ in 0..<11 {
    hookTimes.append(seconds {
        let m = SecretMatcher(specs)
        _ = m.matches(in: hookInput)
    })
}
print("keyword path, cold matcher + first 10 KB input: \(ms(median(hookTimes))) median of 11")

// MARK: Throughput

let matcher = SecretMatcher(specs, database: compiled)
nonisolated(unsafe) var costliest: [(UInt64, Int, Int)] = []  // written by the one worker of a 1-thread run
print("pcre2 compile all (lazy otherwise): \(ms(seconds { _ = matcher.compileAll() }))")

func run(_ strategy: SecretMatcher.Strategy, threads: Int) -> (Double, Int, SecretMatcher.Worker.Statistics) {
    let next = Atomic<Int>(0)
    let counts = Mutex<(Int, SecretMatcher.Worker.Statistics)>((0, .init()))
    let time = corpus.withUnsafeBytes { rawBuffer in
        nonisolated(unsafe) let raw = rawBuffer  // read-only while the workers run
        return seconds {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                let worker = matcher.makeWorker()
                var found = 0
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= files.count { break }
                    found += worker.matches(in: UnsafeRawBufferPointer(rebasing: raw[files[i]]), strategy: strategy).count
                }
                let s = worker.statistics
                if strategy == .database && threads == 1 {
                    costliest = zip(worker.ruleNanoseconds, worker.ruleMatches).enumerated().map { ($0.element.0, $0.offset, $0.element.1) }
                }
                counts.withLock {
                    $0.0 += found
                    $0.1.searches += s.searches
                    $0.1.limitHits += s.limitHits
                    $0.1.rulesStopped += s.rulesStopped
                    $0.1.findNanoseconds += s.findNanoseconds
                    $0.1.confirmNanoseconds += s.confirmNanoseconds
                    $0.1.candidateWindows += s.candidateWindows
                }
            }
        }
    }
    let (found, stats) = counts.withLock { $0 }
    return (time, found, stats)
}

for (name, strategy) in [("database", SecretMatcher.Strategy.database), ("automatic", .automatic), ("keywords", .keywords)] {
    var times: [Double] = []
    var found = 0
    var stats = SecretMatcher.Worker.Statistics()
    for _ in 0..<(strategy == .keywords ? 1 : 3) {
        let r = run(strategy, threads: 1)
        times.append(r.0); found = r.1; stats = r.2
    }
    let t = median(times)
    print("\(name), 1 thread: \(String(format: "%.0f", megabytes / t)) MB/s (\(String(format: "%.3f", t)) s; \(found) matches, \(stats.candidateWindows) windows, \(stats.searches) PCRE2 searches, \(stats.limitHits) limit hits, \(stats.rulesStopped) rules stopped; find \(ms(Double(stats.findNanoseconds) / 1e9)), confirm \(ms(Double(stats.confirmNanoseconds) / 1e9)))")
}
for (ns, rule, found) in costliest.sorted(by: { $0.0 > $1.0 }).prefix(5) where ns > 1_000_000 {
    print("  confirm cost \(specs[rule].id): \(ms(Double(ns) / 1e9)), \(found) matches")
}
if threads > 1 {
    var times: [Double] = []
    for _ in 0..<3 { times.append(run(.automatic, threads: threads).0) }
    let t = median(times)
    print("automatic, \(threads) threads: \(String(format: "%.0f", megabytes / t)) MB/s total")
}

// Both strategies must agree file by file.
var differing = 0
corpus.withUnsafeBytes { raw in
    let worker = matcher.makeWorker()
    for f in files {
        let piece = UnsafeRawBufferPointer(rebasing: raw[f])
        let a = worker.matches(in: piece, strategy: .keywords), b = worker.matches(in: piece, strategy: .database)
        if a != b {
            differing += 1
            if differing <= 3 {
                for m in Set(a).symmetricDifference(b).sorted() {
                    let text = String(decoding: piece[m.whole].prefix(120), as: UTF8.self)
                    print("  differs (\(Set(a).contains(m) ? "keywords only" : "database only")): \(specs[m.rule].id) at \(f.lowerBound + m.whole.lowerBound), \(m.whole.count) bytes: \(text.debugDescription)")
                }
            }
        }
    }
}
print("files where the strategies differ: \(differing)")

if ProcessInfo.processInfo.environment["MOAT_BENCH_UNBOUNDED"] != nil {
    for (i, s) in specs.enumerated() where matcher.window(i) == matcher.options.window || matcher.window(i) == matcher.options.multilineWindow {
        print("  unbounded \(s.id) keywords \(s.keywords): \(s.pattern.prefix(140))")
    }
}

// Small inputs: the database's per-call cost against the keyword path.
for size in [256, 1024, 4096, 16384] {
    var line: [String] = []
    for strategy in [SecretMatcher.Strategy.keywords, .database] {
        let worker = matcher.makeWorker()
        var total = 0
        let t = corpus.withUnsafeBytes { raw in
            seconds {
                for f in files {
                    let r = f.lowerBound..<min(f.upperBound, f.lowerBound + size)
                    total += r.count
                    _ = worker.matches(in: UnsafeRawBufferPointer(rebasing: raw[r]), strategy: strategy)
                }
            }
        }
        line.append("\(strategy) \(String(format: "%.2f", t * 1e6 / Double(files.count))) µs/input (\(String(format: "%.0f", Double(total) / 1e6 / t)) MB/s)")
    }
    print("inputs of at most \(size) bytes: " + line.joined(separator: ", "))
}

if ProcessInfo.processInfo.environment["MOAT_BENCH_REFERENCE"] != nil {
    // One PCRE2 pass of every rule over every file (slow): the engine must give the same matches.
    let next = Atomic<Int>(0)
    let mismatches = Mutex<[String]>([])
    let totals = Mutex<(Int, Int)>((0, 0))
    let patterns = specs.map { try! PCRE2Pattern($0.pattern) }
    let t = corpus.withUnsafeBytes { rawBuffer in
        nonisolated(unsafe) let raw = rawBuffer  // read-only while the workers run
        return seconds {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                let worker = matcher.makeWorker()
                let scratch = PCRE2Scratch()
                var reference = 0, engine = 0
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= files.count { break }
                    let piece = UnsafeRawBufferPointer(rebasing: raw[files[i]])
                    var full: [RawMatch] = []
                    for (rule, p) in patterns.enumerated() {
                        let ms = (try? p.allMatches(in: piece, scratch: scratch)) ?? []
                        full += ms.map { RawMatch(rule: rule, whole: $0.whole, secret: $0.secret) }
                    }
                    full.sort()
                    let got = worker.matches(in: piece, strategy: .database)
                    reference += full.count; engine += got.count
                    if got != full {
                        let d = Set(full).symmetricDifference(got).sorted().prefix(3).map { m in
                            "\(specs[m.rule].id) \(m.whole.count) bytes \(Set(full).contains(m) ? "reference only" : "engine only")"
                        }
                        mismatches.withLock { $0.append("file \(i): " + d.joined(separator: "; ")) }
                    }
                }
                totals.withLock { $0.0 += reference; $0.1 += engine }
            }
        }
    }
    let (reference, engine) = totals.withLock { $0 }
    let bad = mismatches.withLock { $0 }
    print("full PCRE2 pass: \(String(format: "%.1f", t)) s (\(String(format: "%.1f", megabytes / t)) MB/s on \(threads) threads); \(reference) matches, engine \(engine); files differing: \(bad.count)")
    for b in bad.prefix(10) { print("  \(b)") }
}
