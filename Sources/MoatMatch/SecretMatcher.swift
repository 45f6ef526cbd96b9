import Synchronization

/// The secret-matching engine: built once per process from the rules, then asked for the matches
/// in any number of byte buffers, from any number of threads.
///
/// Two strategies give the same matches:
/// - **keywords** (small inputs, or no database): the `KeywordPrefilter` finds the rules' keywords;
///   each rule whose keyword occurs is JIT-compiled on first use and run by PCRE2 only in windows
///   around its keywords. Nothing to compile up front, so a pre-commit hook starts at once.
/// - **database** (big inputs, history sweeps): the `VectorscanDatabase` reports where each rule's
///   pattern ends; PCRE2 confirms that rule in a window ending there.
/// In both, a rule is confirmed by one forward PCRE2 search per window of candidate start positions,
/// never before the end of its previous match, with the subject being the whole input (so
/// lookbehinds and lookaheads see the real neighbours). Each rule has a window: the longest match
/// its pattern can make when that is bounded (`PatternSyntax.maxWidth`, up to
/// `Options.longestWindow`), else `Options.window` (`multilineWindow` for multi-line rules).
/// Candidate windows cover every start of a match up to that length, so both strategies yield the
/// matches one PCRE2 pass over the whole input would; a longer match may be missed.
/// Slow rules (no keyword) run over the whole input in fixed pieces.
/// Work is linear in the input for sane patterns: windows are bounded, searches never go back, long
/// windows are searched in pieces, PCRE2's match limit bounds any one search (a search that hits it
/// skips the rest of its piece, counted in `Worker.Statistics.limitHits`), and a rule that spends
/// its `Options.ruleWork` budget on one input is stopped there (`rulesStopped`). The budget counts
/// work, never time, so the same input and rules give the same matches on an idle or a loaded
/// machine; every stop and limit hit is returned (`Search.incomplete`) for the report.
///
/// Compiled patterns and the database are shared; PCRE2 match data and vectorscan scratch are per
/// thread, in a `Worker`. `matches(in:)` borrows a pooled worker, or give each thread its own.
public final class SecretMatcher: @unchecked Sendable {
    /// Tuning; the defaults suit source text.
    public struct Options: Sendable {
        /// PCRE2 match limit per search (bounds catastrophic backtracking).
        public var matchLimit: UInt32 = 1_000_000
        /// PCRE2 interpreter depth limit (used only if the JIT is unavailable).
        public var depthLimit: UInt32 = 10_000
        /// Longest match guaranteed to be found for a one-line rule with unbounded matches, in bytes
        /// (4 KiB: a JSON-escaped RSA-4096 key fits).
        public var window = 4 * 1024
        /// The same for a `multiline` rule (PEM blocks, PGP key blocks).
        public var multilineWindow = 64 * 1024
        /// Rules whose longest match is bounded get that bound as their window, up to this.
        public var longestWindow = 64 * 1024
        /// How much work one rule may do confirming on one input before it is stopped there
        /// (counted in `Worker.Statistics.rulesStopped` and returned in `Search.incomplete`); nil:
        /// no limit. A safety net for hostile inputs (20 MB of PEM headers without an end) that
        /// PCRE2's match limit does not catch, because the JIT does not count single-character
        /// repeats.
        public var ruleWork: RuleWork? = RuleWork()
        /// Slow rules are searched in pieces of this size (a limit hit loses one piece only).
        public var slowPiece = 64 * 1024
        /// With a database, inputs shorter than this still take the keyword path. Measured here, the
        /// database is faster from 256-byte inputs up (0.5 µs against 1 µs per input), hence 0.
        public var keywordPathBelow = 0
        /// Whether and how to get a vectorscan database.
        public var database: DatabasePolicy = .none

        public init(database: DatabasePolicy = .none) { self.database = database }
    }

    /// The work budget of one rule on one input, in byte steps: each PCRE2 search is charged the
    /// positions of its start range where the pattern can start (PCRE2's own start analysis,
    /// `StartBytes`) times the bytes one attempt may examine (the search's span, at most the
    /// rule's reach). That is an upper bound of what the search can cost, computed from the input
    /// alone, so where a rule stops never depends on the machine or its load.
    public struct RuleWork: Sendable, Equatable {
        /// Steps every input gets (8 G: a few seconds of PCRE2 at worst).
        public var base: Int
        /// Steps added per input byte, so big inputs are not stopped for their size alone.
        public var perInputByte: Int

        public init(base: Int = 1 << 33, perInputByte: Int = 256) {
            self.base = base
            self.perInputByte = perInputByte
        }

        /// The budget of one rule on an input of `count` bytes (saturating).
        public func limit(forInputOf count: Int) -> Int {
            let (extra, o1) = count.multipliedReportingOverflow(by: perInputByte)
            let (sum, o2) = base.addingReportingOverflow(extra)
            return o1 || o2 ? Int.max : sum
        }
    }

    /// Where a rule stopped searching one input before its end, and why: its matches after
    /// `offset` may be missing.
    public struct Incomplete: Sendable, Equatable {
        public enum Reason: String, Sendable {
            /// The rule spent its `RuleWork` budget on this input.
            case workBudget = "work budget"
            /// A PCRE2 search hit the match, depth or heap limit (the rest of its piece was skipped).
            case matchLimit = "match limit"
        }
        public let rule: Int
        public let reason: Reason
        /// The first byte not (or not fully) searched.
        public let offset: Int
    }

    /// What one search of an input found, and what it could not finish.
    public struct Search: Sendable {
        public var matches: [RawMatch]
        /// One entry per rule that stopped early or skipped a piece (the first time), by rule.
        public var incomplete: [Incomplete]
    }

    /// Where the vectorscan database comes from.
    public enum DatabasePolicy: Sendable {
        /// No database: always the keyword path.
        case none
        /// Use a cached database if there is one; never compile (the pre-commit hook).
        case cachedOnly(DatabaseCache)
        /// Load from the cache, or compile (0.3-0.8 s) and store; no cache: compile every time.
        case cachedOrCompiled(DatabaseCache?)
    }

    /// Which strategy a search uses.
    public enum Strategy: Sendable {
        /// The database when there is one (for inputs of `Options.keywordPathBelow` bytes or more).
        case automatic
        case keywords
        case database
    }

    public let specs: [PatternSpec]
    public let options: Options
    /// The keyword automaton over every rule's keywords, built on first use (~0.5 ms, 13 M
    /// instructions for the built-in rules): with a database it only serves when a vectorscan scan
    /// fails, so a hook that loads the cached database never builds it.
    public var prefilter: KeywordPrefilter {
        lazyPrefilter.withLock { built -> KeywordPrefilter in
            if let built { return built }
            let made = KeywordPrefilter(keywordsByRule: specs.map { $0.runsApart ? [] : $0.keywords })
            built = made
            return made
        }
    }
    private let lazyPrefilter = Mutex<KeywordPrefilter?>(nil)
    /// The vectorscan database, if the policy produced one.
    public let database: VectorscanDatabase?
    /// Whether the database came from the cache or was compiled.
    public let databaseOrigin: VectorscanDatabase.Origin?
    /// Why the policy produced no database (nil when it did, or when the policy is `.none`).
    public let databaseError: String?

    /// Per rule: the longest match its windows guarantee (every rule's `window(_:)`).
    public var windows: [Int] { specs.indices.map(window) }
    /// Per rule: its window once worked out, else -1. Working out all 188 built-in ones parses
    /// every pattern (~5 M instructions), so each is done when a rule first has a candidate.
    private let knownWindows: Mutex<[Int]>
    /// Rules run over the whole input.
    let slowRules: [Int]

    enum Compiled {
        case pending
        case ready(PCRE2Pattern)
        case failed(PatternCompileError)
    }
    private let compiled: Mutex<[Compiled]>
    private let pool = Mutex<[Worker]>([])

    /// Builds the matcher; compiles no pattern yet (each is compiled on first use), and gets the
    /// database as `options.database` says.
    public convenience init(_ specs: [PatternSpec], options: Options = Options()) {
        var db: VectorscanDatabase?
        var origin: VectorscanDatabase.Origin?
        var failure: String?
        switch options.database {
        case .none:
            break
        case .cachedOnly(let cache):
            db = VectorscanDatabase.cached(specs, cache: cache)
            origin = db == nil ? nil : .cache
            if db == nil { failure = "no cached database" }
        case .cachedOrCompiled(let cache):
            do {
                (db, origin) = try VectorscanDatabase.load(specs, cache: cache)
            } catch {
                failure = error.message
            }
        }
        self.init(specs, database: db, origin: origin, databaseError: failure, options: options)
    }

    /// Builds the matcher around a database made elsewhere (it must come from the same specs).
    public convenience init(_ specs: [PatternSpec], database: VectorscanDatabase?, options: Options = Options()) {
        self.init(specs, database: database, origin: database == nil ? nil : .compiled, databaseError: nil, options: options)
    }

    private init(_ specs: [PatternSpec], database: VectorscanDatabase?, origin: VectorscanDatabase.Origin?,
                 databaseError: String?, options: Options) {
        precondition(database == nil || database!.ruleKinds.count == specs.count, "database built from other specs")
        self.specs = specs
        self.options = options
        self.database = database
        self.databaseOrigin = origin
        self.databaseError = databaseError
        self.knownWindows = Mutex([Int](repeating: -1, count: specs.count))
        self.slowRules = specs.indices.filter { specs[$0].runsApart }
        self.compiled = Mutex([Compiled](repeating: .pending, count: specs.count))
    }

    /// The longest match the candidate windows of `rule` guarantee: the longest match its pattern
    /// can make when that is bounded (up to `Options.longestWindow`), else `Options.window`
    /// (`multilineWindow` for a multi-line rule). Worked out on first use.
    public func window(_ rule: Int) -> Int {
        knownWindows.withLock { known -> Int in
            if known[rule] >= 0 { return known[rule] }
            let spec = specs[rule]
            let window: Int
            if let width = PatternSyntax.maxWidth(spec.pattern), width <= options.longestWindow {
                window = max(width, 1)
            } else {
                window = spec.multiline ? options.multilineWindow : options.window
            }
            known[rule] = window
            return window
        }
    }

    /// The compiled pattern of `rule`, compiling it on first use; nil if it does not compile.
    public func pattern(_ rule: Int) -> PCRE2Pattern? {
        compiled.withLock { states -> PCRE2Pattern? in
            switch states[rule] {
            case .ready(let p): return p
            case .failed: return nil
            case .pending:
                do throws(PatternCompileError) {
                    let p = try PCRE2Pattern(specs[rule].pattern)
                    states[rule] = .ready(p)
                    return p
                } catch {
                    states[rule] = .failed(error)
                    return nil
                }
            }
        }
    }

    /// Compiles every pattern now (a sweep pays 2-4 ms once instead of on first use) and returns
    /// the rules that do not compile.
    @discardableResult
    public func compileAll() -> [(rule: Int, error: PatternCompileError)] {
        for rule in specs.indices { _ = pattern(rule) }
        return compileErrors
    }

    /// Rules whose pattern failed to compile so far (they never match).
    public var compileErrors: [(rule: Int, error: PatternCompileError)] {
        compiled.withLock { states in
            states.indices.compactMap { i in
                if case .failed(let e) = states[i] { return (i, e) }
                return nil
            }
        }
    }

    /// A new worker: the per-thread state for searching. Use it from one thread at a time.
    public func makeWorker() -> Worker { Worker(self) }

    /// All matches in `bytes`, using a pooled worker (safe from any thread).
    public func matches(in bytes: UnsafeRawBufferPointer, strategy: Strategy = .automatic) -> [RawMatch] {
        search(bytes, strategy: strategy).matches
    }

    /// All matches in `bytes` and the rules that could not search all of it, using a pooled worker.
    public func search(_ bytes: UnsafeRawBufferPointer, strategy: Strategy = .automatic) -> Search {
        let worker = pool.withLock { $0.popLast() } ?? makeWorker()
        defer { pool.withLock { $0.append(worker) } }
        let matches = worker.matches(in: bytes, strategy: strategy)
        return Search(matches: matches, incomplete: worker.incomplete)
    }

    /// All matches in `bytes`.
    public func matches(in bytes: [UInt8], strategy: Strategy = .automatic) -> [RawMatch] {
        bytes.withUnsafeBytes { matches(in: $0, strategy: strategy) }
    }
}
