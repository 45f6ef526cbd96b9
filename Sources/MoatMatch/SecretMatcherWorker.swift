#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SecretMatcher {
    /// The per-thread half of the engine: PCRE2 match data and JIT stack, vectorscan scratch, the
    /// compiled patterns this thread has used, and reusable buffers. Not thread-safe: one per thread
    /// (it may move between threads, never be used by two at once).
    public final class Worker: @unchecked Sendable {
        public let matcher: SecretMatcher
        let pcre: PCRE2Scratch
        let scratch: VectorscanDatabase.Scratch?
        private var patterns: [PCRE2Pattern?]
        private var looked: [Bool]
        /// Per rule: `matcher.window(rule)` once asked (-1 before), so the hot loops take no lock.
        private var windows: [Int]

        /// Candidate start positions per rule: one open window per rule, closed ones in `ranges`.
        private var openLow: [Int]
        private var openHigh: [Int]
        private var touched: [Int] = []
        private var ranges: [Candidate] = []

        struct Candidate {
            var rule: Int
            var low: Int
            var high: Int
        }

        /// Counters since the worker was made.
        public struct Statistics: Sendable {
            public var inputs = 0
            public var bytes = 0
            public var databaseScans = 0
            public var candidateWindows = 0
            public var searches = 0
            /// Searches that hit a PCRE2 limit (the rest of their piece was skipped).
            public var limitHits = 0
            /// Times a rule spent its work budget on one input and was stopped there.
            public var rulesStopped = 0
            /// Nanoseconds spent finding candidates (vectorscan or keywords) and confirming them (PCRE2).
            public var findNanoseconds: UInt64 = 0
            public var confirmNanoseconds: UInt64 = 0
            public init() {}
        }
        public private(set) var statistics = Statistics()
        /// The rules that could not search all of the last input (`matches(in:)`), in rule order.
        public private(set) var incomplete: [Incomplete] = []
        /// Per rule: nanoseconds spent confirming it and matches found (to find costly rules).
        public private(set) var ruleNanoseconds: [UInt64]
        public private(set) var ruleMatches: [Int]

        /// Windows closer than this are merged (one search instead of two).
        private static let mergeGap = 128
        /// How far after a keyword a match may start (a keyword inside a lookbehind).
        private static let keywordLead = 64
        /// A match ending this close to the cut-off end of a search is searched again on the whole
        /// input: a lookahead or `$` may have seen the artificial end.
        private static let endMargin = 64

        init(_ matcher: SecretMatcher) {
            self.matcher = matcher
            pcre = PCRE2Scratch(matchLimit: matcher.options.matchLimit, depthLimit: matcher.options.depthLimit)
            scratch = try? matcher.database?.makeScratch()
            patterns = [PCRE2Pattern?](repeating: nil, count: matcher.specs.count)
            looked = [Bool](repeating: false, count: matcher.specs.count)
            windows = [Int](repeating: -1, count: matcher.specs.count)
            openLow = [Int](repeating: 0, count: matcher.specs.count)
            openHigh = [Int](repeating: -1, count: matcher.specs.count)
            ruleNanoseconds = [UInt64](repeating: 0, count: matcher.specs.count)
            ruleMatches = [Int](repeating: 0, count: matcher.specs.count)
        }

        private func pattern(_ rule: Int) -> PCRE2Pattern? {
            if !looked[rule] {
                patterns[rule] = matcher.pattern(rule)
                looked[rule] = true
            }
            return patterns[rule]
        }

        @inline(__always)
        private func window(_ rule: Int) -> Int {
            let known = windows[rule]
            if known >= 0 { return known }
            let window = matcher.window(rule)
            windows[rule] = window
            return window
        }

        /// Every match of every rule in `bytes`, in input order (start, then rule, then end).
        public func matches(in bytes: UnsafeRawBufferPointer, strategy: Strategy = .automatic) -> [RawMatch] {
            statistics.inputs += 1
            statistics.bytes += bytes.count
            incomplete.removeAll(keepingCapacity: true)
            let count = bytes.count
            let useDatabase: Bool
            switch strategy {
            case .keywords: useDatabase = false
            case .database: useDatabase = matcher.database != nil && scratch != nil
            case .automatic: useDatabase = matcher.database != nil && scratch != nil && count >= matcher.options.keywordPathBelow
            }

            ranges.removeAll(keepingCapacity: true)
            let t0 = Self.preciseNow()
            var scanned = false
            if useDatabase, let db = matcher.database, let scratch {
                statistics.databaseScans += 1
                let entries = db.entries
                scanned = db.scan(bytes, scratch: scratch) { id, end in
                    guard id < entries.count else { return }
                    let entry = entries[id]
                    let rule = entry.rule
                    let window = window(rule)
                    switch entry.kind {
                    case .pattern, .prefilter:
                        add(rule, low: end - window, high: end, count: count)
                    case .keyword:
                        add(rule, low: end - window, high: end + Self.keywordLead, count: count)
                    }
                }
                if !scanned { discardOpen() }
            }
            if !scanned {
                let prefilter = matcher.prefilter
                prefilter.forEachHit(in: bytes) { keyword, start in
                    let end = start + prefilter.keywords[keyword].count
                    for rule in prefilter.rules(ofKeyword: keyword) {
                        add(rule, low: end - window(rule), high: end + Self.keywordLead, count: count)
                    }
                }
            }
            closeAll()
            if count > 0 {
                let piece = max(1, matcher.options.slowPiece)
                for rule in matcher.slowRules {
                    var start = 0
                    while start < count {
                        ranges.append(Candidate(rule: rule, low: start, high: min(start + piece - 1, count)))
                        start += piece
                    }
                }
            }
            let t1 = Self.preciseNow()
            statistics.findNanoseconds &+= t1 &- t0
            if ranges.isEmpty { return [] }
            ranges.sort { $0.rule != $1.rule ? $0.rule < $1.rule : $0.low < $1.low }
            statistics.candidateWindows += ranges.count

            var result: [RawMatch] = []
            var i = 0
            while i < ranges.count {
                let rule = ranges[i].rule
                var j = i
                while j < ranges.count && ranges[j].rule == rule { j += 1 }
                let before = result.count, t = Self.preciseNow()
                confirm(rule: rule, windows: i..<j, in: bytes, into: &result)
                ruleNanoseconds[rule] &+= Self.preciseNow() &- t
                ruleMatches[rule] += result.count - before
                i = j
            }
            result.sort()
            statistics.confirmNanoseconds &+= Self.preciseNow() &- t1
            return result
        }

        /// Adds candidate start positions `low...high` for `rule`, merging with its open window.
        @inline(__always)
        private func add(_ rule: Int, low: Int, high: Int, count: Int) {
            let low = max(0, low), high = min(count, high)
            if openHigh[rule] < 0 {
                touched.append(rule)
            } else if low <= openHigh[rule] + Self.mergeGap && high >= openLow[rule] - Self.mergeGap {
                openLow[rule] = min(openLow[rule], low)
                openHigh[rule] = max(openHigh[rule], high)
                return
            } else {
                ranges.append(Candidate(rule: rule, low: openLow[rule], high: openHigh[rule]))
            }
            openLow[rule] = low
            openHigh[rule] = high
        }

        private func closeAll() {
            for rule in touched {
                ranges.append(Candidate(rule: rule, low: openLow[rule], high: openHigh[rule]))
                openHigh[rule] = -1
            }
            touched.removeAll(keepingCapacity: true)
        }

        private func discardOpen() {
            for rule in touched { openHigh[rule] = -1 }
            touched.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
        }

        /// `spent` plus the upper bound of one search's work: the positions of `starts` where the
        /// pattern can start, each examining up to `attempt` bytes (saturating).
        static func charge(_ spent: Int, pattern: PCRE2Pattern, _ bytes: UnsafeRawBufferPointer, starts: ClosedRange<Int>, attempt: Int) -> Int {
            let positions = pattern.startBytes?.count(in: bytes, starts) ?? (starts.count + 1)
            let (cost, o1) = positions.multipliedReportingOverflow(by: max(1, attempt))
            let (sum, o2) = spent.addingReportingOverflow(cost)
            return o1 || o2 ? Int.max : sum
        }

        static func preciseNow() -> UInt64 {
            var t = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t)
            return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
        }

        /// Runs `rule` over its candidate windows (sorted by `low`), each search starting no earlier
        /// than the end of the previous match.
        private func confirm(rule: Int, windows: Range<Int>, in bytes: UnsafeRawBufferPointer, into result: inout [RawMatch]) {
            guard let pattern = pattern(rule) else { return }
            let count = bytes.count
            let reach = window(rule) + 256
            let piece = max(16 * 1024, 2 * window(rule))
            let budget = matcher.options.ruleWork?.limit(forInputOf: count)
            var spent = 0
            var limited = false
            var position = 0
            var k = windows.lowerBound
            while k < windows.upperBound {
                // Merge overlapping windows (sorting may have put overlapping ones side by side).
                let low = ranges[k].low
                var high = ranges[k].high
                k += 1
                while k < windows.upperBound && ranges[k].low <= high + 1 {
                    high = max(high, ranges[k].high)
                    k += 1
                }
                // Long windows (keywords everywhere, a minified line) are searched in pieces, each
                // with its own cut-off end, so one search never costs more than a piece plus
                // `reach`, and a limit hit loses one piece only.
                var pieceLow = low
                while pieceLow <= high {
                    let pieceHigh = min(high, pieceLow + piece - 1)
                    var start = max(pieceLow, position)
                    if let budget, start <= pieceHigh, spent > budget {
                        statistics.rulesStopped += 1
                        incomplete.append(Incomplete(rule: rule, reason: .workBudget, offset: start))
                        return
                    }
                    while start <= pieceHigh {
                        let end = min(count, pieceHigh + reach)
                        statistics.searches += 1
                        do {
                            let found = try pattern.firstMatch(in: bytes, from: start, startLimit: pieceHigh, end: end, scratch: pcre)
                            if budget != nil {
                                spent = Self.charge(spent, pattern: pattern, bytes, starts: start...(found?.whole.lowerBound ?? pieceHigh),
                                                    attempt: min(end - start, reach))
                            }
                            guard var m = found else { break }
                            if end < count && m.whole.upperBound + Self.endMargin >= end {
                                // The match may owe its end to the cut: search again over the whole input.
                                statistics.searches += 1
                                guard let full = try pattern.firstMatch(in: bytes, from: start, startLimit: pieceHigh, end: nil, scratch: pcre) else { break }
                                m = full
                            }
                            result.append(RawMatch(rule: rule, whole: m.whole, secret: m.secret))
                            position = m.whole.isEmpty ? m.whole.upperBound + 1 : m.whole.upperBound
                            start = position
                        } catch {
                            statistics.limitHits += 1
                            if !limited {
                                limited = true
                                incomplete.append(Incomplete(rule: rule, reason: .matchLimit, offset: start))
                            }
                            break
                        }
                    }
                    pieceLow = pieceHigh + 1
                }
            }
        }
    }
}
