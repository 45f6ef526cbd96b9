import CVectorscan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One vectorscan (Hyperscan) block-mode database of every non-slow rule, shared by all threads.
///
/// vectorscan reports where a match *ends* and which expression matched, at about 1 GB/s per core
/// or more for a whole rule set; PCRE2 then confirms that rule in a window ending there
/// (`SecretMatcher`). Each rule enters the database as the first of these that vectorscan accepts:
/// 1. the pattern relaxed by `PatternSyntax.relax` (lookarounds, atomic groups and possessive
///    quantifiers dropped, large repeats unbounded: same match ends, maybe more of them);
/// 2. the pattern in vectorscan's prefilter mode (an approximation that still reports every match);
/// 3. its keywords as caseless literals.
/// Slow rules stay out.
/// Compiling costs 1-20 ms per rule, so the serialized form is cached on disk (`load(_:cache:)`);
/// loading it takes well under a millisecond.
public final class VectorscanDatabase: @unchecked Sendable {
    /// How one database expression stands for its rule.
    public enum Kind: Sendable, Hashable {
        /// The rule's pattern, relaxed: every match of the rule ends where this one reports.
        case pattern
        /// vectorscan's prefilter approximation: every match of the rule ends where this reports.
        case prefilter
        /// One of the rule's keywords (`length` bytes), ending where this reports: the rule's
        /// stand-in when vectorscan takes none of its pattern's forms.
        case keyword(length: Int)

    }

    /// One compiled expression; its index in `entries` is its vectorscan id.
    public struct Entry: Sendable, Hashable {
        public var rule: Int
        public var kind: Kind
        /// The expression text and flags given to vectorscan.
        public var expression: String
        public var flags: UInt32
    }

    /// Every expression, indexed by vectorscan id.
    public let entries: [Entry]
    /// How each rule entered (`nil`: not in the database; a slow rule, or one vectorscan refused).
    public let ruleKinds: [Kind?]
    /// Fingerprint of the specs this database was built from (part of the cache key).
    public let fingerprint: [UInt8]
    let database: OpaquePointer

    private init(database: OpaquePointer, entries: [Entry], ruleCount: Int, fingerprint: [UInt8]) {
        self.database = database
        self.entries = entries
        self.fingerprint = fingerprint
        var kinds = [Kind?](repeating: nil, count: ruleCount)
        for e in entries where e.rule >= 0 && kinds[e.rule] == nil { kinds[e.rule] = e.kind }
        ruleKinds = kinds
    }

    deinit { hs_free_database(database) }

    /// The vectorscan library's version string.
    public static var version: String { String(cString: hs_version()) }

    /// Why a database could not be made or read.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    // MARK: Building

    /// Plans and compiles the database for `specs` (slow rules are left out).
    public static func compile(_ specs: [PatternSpec]) throws(Failure) -> VectorscanDatabase {
        var entries = plan(specs)
        // hs_expression_info accepted every entry; a whole-set compile can still refuse one
        // ("Pattern is too large"): demote that rule to its keywords (or out) and try again.
        for _ in 0..<max(8, specs.count) {
            switch compileEntries(entries) {
            case .success(let db):
                return VectorscanDatabase(database: db, entries: entries, ruleCount: specs.count, fingerprint: fingerprint(specs))
            case .failure(let index, let message):
                guard index >= 0, index < entries.count else { throw Failure(message: "vectorscan: \(message)") }
                let rule = entries[index].rule
                let wasKeyword: Bool
                if case .keyword = entries[index].kind { wasKeyword = true } else { wasKeyword = false }
                entries.removeAll { $0.rule == rule }
                if !wasKeyword { entries += keywordEntries(rule: rule, spec: specs[rule]) }
            }
        }
        throw Failure(message: "vectorscan: too many expressions refused")
    }

    /// The entries for each rule: its pattern in the first form vectorscan's parser accepts.
    static func plan(_ specs: [PatternSpec]) -> [Entry] {
        var entries: [Entry] = []
        for (rule, spec) in specs.enumerated() where !spec.runsApart {
            if let relaxed = PatternSyntax.relax(spec.pattern), accepts(relaxed, flags: 0) {
                entries.append(Entry(rule: rule, kind: .pattern, expression: relaxed, flags: 0))
            } else if accepts(spec.pattern, flags: UInt32(HS_FLAG_PREFILTER)) {
                entries.append(Entry(rule: rule, kind: .prefilter, expression: spec.pattern, flags: UInt32(HS_FLAG_PREFILTER)))
            } else {
                entries += keywordEntries(rule: rule, spec: spec)
            }
        }
        return entries
    }

    static func keywordEntries(rule: Int, spec: PatternSpec) -> [Entry] {
        var seen = Set<[UInt8]>()
        var result: [Entry] = []
        for keyword in spec.keywords where !keyword.utf8.isEmpty && seen.insert(keyword.utf8.map(KeywordPrefilter.lower)).inserted {
            result.append(Entry(rule: rule, kind: .keyword(length: keyword.utf8.count),
                                expression: PatternSyntax.literal(keyword), flags: UInt32(HS_FLAG_CASELESS)))
        }
        return result
    }

    /// Whether vectorscan's parser accepts `expression` with `flags`.
    static func accepts(_ expression: String, flags: UInt32) -> Bool {
        var info: UnsafeMutablePointer<hs_expr_info_t>?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let rc = hs_expression_info(expression, flags, &info, &error)
        if let error { hs_free_compile_error(error) }
        if let info { free(info) }
        return rc == HS_SUCCESS
    }

    private enum CompileOutcome {
        case success(OpaquePointer)
        case failure(index: Int, message: String)
    }

    private static func compileEntries(_ entries: [Entry]) -> CompileOutcome {
        guard !entries.isEmpty else {
            // vectorscan cannot compile an empty set: use a literal that never occurs in text.
            return compileEntries([Entry(rule: -1, kind: .keyword(length: 1), expression: "\\x00\\xff\\x00\\xfe\\x00moat-empty", flags: 0)])
        }
        var cStrings = entries.map { strdup($0.expression) }
        defer { for p in cStrings { free(p) } }
        var flags = entries.map { $0.flags }
        var ids = (0..<entries.count).map { UInt32($0) }
        var database: OpaquePointer?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let rc = cStrings.withUnsafeMutableBufferPointer { exprs in
            exprs.withMemoryRebound(to: UnsafePointer<CChar>?.self) { e in
                hs_compile_multi(e.baseAddress, &flags, &ids, UInt32(entries.count), UInt32(HS_MODE_BLOCK), nil, &database, &error)
            }
        }
        if rc == HS_SUCCESS, let database { return .success(database) }
        let message = error.map { String(cString: $0.pointee.message) } ?? "error \(rc)"
        let index = error.map { Int($0.pointee.expression) } ?? -1
        if let error { hs_free_compile_error(error) }
        return .failure(index: index, message: message)
    }

    // MARK: Serializing and caching

    static let formatVersion: UInt32 = 4

    /// What the cache key covers: this format, the library version, the CPU the database is tuned
    /// for, and every spec field that changes the database.
    static func fingerprint(_ specs: [PatternSpec]) -> [UInt8] {
        var w = ByteWriter()
        w.u32(formatVersion)
        w.string(version)
        var platform = hs_platform_info_t()
        if hs_populate_platform(&platform) == HS_SUCCESS {
            w.u32(platform.tune)
            w.u64(platform.cpu_features)
        }
        w.u64(UInt64(specs.count))
        for s in specs {
            w.string(s.pattern)
            w.u64(UInt64(s.keywords.count))
            for k in s.keywords { w.string(k) }
            w.u32((s.multiline ? 1 : 0) | (s.slow ? 2 : 0))
        }
        return w.bytes
    }

    /// The database with its entry table, as one byte string (`init(deserializing:)` reads it back).
    public func serialize() throws(Failure) -> [UInt8] {
        var bytes: UnsafeMutablePointer<CChar>?
        var length = 0
        guard hs_serialize_database(database, &bytes, &length) == HS_SUCCESS, let bytes else {
            throw Failure(message: "vectorscan: cannot serialize the database")
        }
        defer { free(bytes) }
        var w = ByteWriter()
        w.u32(Self.formatVersion)
        w.blob(fingerprint)
        w.u64(UInt64(ruleKinds.count))
        w.u64(UInt64(entries.count))
        for e in entries {
            w.u64(UInt64(bitPattern: Int64(e.rule)))
            switch e.kind {
            case .pattern: w.u32(0); w.u64(0)
            case .prefilter: w.u32(1); w.u64(0)
            case .keyword(let length): w.u32(2); w.u64(UInt64(length))
            }
            w.u32(e.flags)
            w.string(e.expression)
        }
        w.blob(UnsafeRawBufferPointer(start: bytes, count: length))
        return w.bytes
    }

    /// Reads what `serialize()` wrote. Fails on anything truncated, from another format or made
    /// by another vectorscan version or for another CPU.
    public convenience init(deserializing data: UnsafeRawBufferPointer) throws(Failure) {
        var r = ByteReader(data)
        guard r.u32() == Self.formatVersion, let fingerprint = r.blob(), let ruleCount = r.u64(), let count = r.u64(),
              count < 1 << 24, ruleCount < 1 << 24 else {
            throw Failure(message: "not a moat vectorscan database")
        }
        var entries: [Entry] = []
        for _ in 0..<count {
            guard let rule = r.u64(), let kind = r.u32(), let value = r.u64(), let flags = r.u32(), let text = r.blob() else {
                throw Failure(message: "truncated database entry table")
            }
            let k: Kind
            switch kind {
            case 0: k = .pattern
            case 1: k = .prefilter
            case 2: k = .keyword(length: Int(value))
            default: throw Failure(message: "unknown entry kind")
            }
            let ruleIndex = Int(Int64(bitPattern: rule))
            guard ruleIndex < Int(ruleCount) else { throw Failure(message: "entry for an unknown rule") }
            entries.append(Entry(rule: ruleIndex, kind: k, expression: String(decoding: text, as: UTF8.self), flags: flags))
        }
        guard let serialized = r.blob(), serialized.count > 0 else { throw Failure(message: "missing database") }
        var database: OpaquePointer?
        let rc = hs_deserialize_database(serialized.baseAddress!.assumingMemoryBound(to: CChar.self), serialized.count, &database)
        guard rc == HS_SUCCESS, let database else {
            throw Failure(message: rc == HS_DB_VERSION_ERROR || rc == HS_DB_PLATFORM_ERROR
                          ? "database made by another vectorscan version or for another CPU" : "vectorscan cannot read the database (\(rc))")
        }
        self.init(database: database, entries: entries.filter { $0.rule >= 0 }, ruleCount: Int(ruleCount), fingerprint: Array(fingerprint))
    }

    /// Where a database came from.
    public enum Origin: Sendable, Equatable { case cache, compiled }

    /// The database for `specs` from `cache` when a valid entry is there; otherwise compiled and
    /// stored (a failed store is ignored).
    public static func load(_ specs: [PatternSpec], cache: DatabaseCache?) throws(Failure) -> (VectorscanDatabase, Origin) {
        let key = fingerprint(specs)
        if let cache, let db = cache.withPayload(key: key, { try? VectorscanDatabase(deserializing: $0) }), db.fingerprint == key,
           db.ruleKinds.count == specs.count {
            return (db, .cache)
        }
        let db = try compile(specs)
        if let cache, let bytes = try? db.serialize() { cache.store(key: key, payload: bytes) }
        return (db, .compiled)
    }

    /// The cached database for `specs`, or nil: never compiles (for the pre-commit hook).
    public static func cached(_ specs: [PatternSpec], cache: DatabaseCache) -> VectorscanDatabase? {
        let key = fingerprint(specs)
        guard let db = cache.withPayload(key: key, { try? VectorscanDatabase(deserializing: $0) }),
              db.fingerprint == key, db.ruleKinds.count == specs.count else { return nil }
        return db
    }

    // MARK: Scanning

    /// vectorscan's per-thread working memory for this database. One per thread.
    public final class Scratch {
        let scratch: OpaquePointer
        init(_ scratch: OpaquePointer) { self.scratch = scratch }
        deinit { hs_free_scratch(scratch) }
    }

    /// A scratch for one thread (each worker needs its own).
    public func makeScratch() throws(Failure) -> Scratch {
        var scratch: OpaquePointer?
        guard hs_alloc_scratch(database, &scratch) == HS_SUCCESS, let scratch else {
            throw Failure(message: "vectorscan: cannot allocate scratch")
        }
        return Scratch(scratch)
    }

    /// Largest piece handed to one `hs_scan` call (its length is 32-bit); pieces overlap by
    /// `chunkOverlap` so a match shorter than that is seen whole in one of them.
    nonisolated(unsafe) static var chunkSize = 1 << 30
    nonisolated(unsafe) static var chunkOverlap = 1 << 16

    private struct Context {
        var body: (Int, Int) -> Void
        var offset: Int
    }

    /// Calls `body(entryIndex, end)` for every match end of every expression. Within one piece ends
    /// come in increasing order; over pieces of inputs above `chunkSize`, ends in the overlap may
    /// repeat. Returns false if vectorscan failed (the caller then falls back to keywords).
    @discardableResult
    public func scan(_ bytes: UnsafeRawBufferPointer, scratch: Scratch, _ body: (_ entry: Int, _ end: Int) -> Void) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        return withoutActuallyEscaping(body) { escapable -> Bool in
            var context = Context(body: escapable, offset: 0)
            let handler: match_event_handler = { id, _, to, _, raw in
                let c = raw!.assumingMemoryBound(to: Context.self)
                c.pointee.body(Int(id), c.pointee.offset + Int(to))
                return 0
            }
            var start = 0
            while true {
                let length = min(Self.chunkSize, bytes.count - start)
                context.offset = start
                let rc = withUnsafeMutablePointer(to: &context) { c in
                    hs_scan(database, (base + start).assumingMemoryBound(to: CChar.self), UInt32(length), 0, scratch.scratch, handler, c)
                }
                if rc != HS_SUCCESS { return false }
                if start + length >= bytes.count { return true }
                start += max(1, length - Self.chunkOverlap)
            }
        }
    }
}
