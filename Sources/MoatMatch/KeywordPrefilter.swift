/// Finds every occurrence of a set of keywords in bytes, ASCII-case-insensitively, in one pass:
/// an Aho-Corasick automaton compiled to a DFA over byte classes.
///
/// Built from each rule's keywords; a hit names the keyword (and so, through `rules(ofKeyword:)`,
/// the rules it wakes) and where it starts. Overlapping keywords are all reported ("token" and
/// "oken" in "TOKEN" are two hits). Immutable once built, so shared by every thread.
public struct KeywordPrefilter: Sendable {
    /// The distinct keywords, lower-cased.
    public let keywords: [[UInt8]]
    /// For each keyword, the rules that listed it (in any case).
    private let rulesByKeyword: [[Int]]
    /// Byte -> class; bytes in no keyword share class 0, upper-case letters map to the lower-case class.
    private let classOf: [UInt8]
    private let classCount: Int
    /// transitions[row + class] = the next state's row (state * classCount).
    private let transitions: [Int32]
    /// States numbered from `firstOutputRow / classCount` on end at least one keyword.
    private let firstOutputRow: Int
    /// For an output state s (numbered from the first output state): keywords ending there.
    private let outputStart: [Int32]
    private let outputKeywords: [Int32]

    /// - Parameter keywordsByRule: each rule's keywords (empty keywords are ignored).
    public init(keywordsByRule: [[String]]) {
        var index: [[UInt8]: Int] = [:]
        var keywords: [[UInt8]] = []
        var rules: [[Int]] = []
        for (rule, list) in keywordsByRule.enumerated() {
            for keyword in list {
                let bytes = keyword.utf8.map(Self.lower)
                if bytes.isEmpty { continue }
                if let k = index[bytes] {
                    if rules[k].last != rule { rules[k].append(rule) }
                } else {
                    index[bytes] = keywords.count
                    keywords.append(bytes)
                    rules.append([rule])
                }
            }
        }
        self.keywords = keywords
        self.rulesByKeyword = rules

        // Byte classes.
        var classOf = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for keyword in keywords {
            for b in keyword where classOf[Int(b)] == 0 {
                classOf[Int(b)] = UInt8(classCount)
                classCount += 1
            }
        }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { classOf[Int(b)] = classOf[Int(b | 0x20)] }
        self.classOf = classOf
        self.classCount = classCount

        // Trie (goto function), -1 = no edge.
        var goto: [[Int32]] = [[Int32](repeating: -1, count: classCount)]
        var ends: [[Int32]] = [[]]
        for (k, keyword) in keywords.enumerated() {
            var s = 0
            for b in keyword {
                let c = Int(classOf[Int(b)])
                if goto[s][c] < 0 {
                    goto[s][c] = Int32(goto.count)
                    goto.append([Int32](repeating: -1, count: classCount))
                    ends.append([])
                }
                s = Int(goto[s][c])
            }
            ends[s].append(Int32(k))
        }

        // Failure links by breadth-first order, turning the trie into a DFA.
        let n = goto.count
        var delta = [[Int32]](repeating: [Int32](repeating: 0, count: classCount), count: n)
        var fail = [Int](repeating: 0, count: n)
        var queue: [Int] = []
        for c in 0..<classCount {
            let t = goto[0][c]
            if t >= 0 { delta[0][c] = t; fail[Int(t)] = 0; queue.append(Int(t)) } else { delta[0][c] = 0 }
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]; head += 1
            ends[s] += ends[fail[s]]
            for c in 0..<classCount {
                let t = goto[s][c]
                if t >= 0 {
                    fail[Int(t)] = Int(delta[fail[s]][c])
                    delta[s][c] = t
                    queue.append(Int(t))
                } else {
                    delta[s][c] = delta[fail[s]][c]
                }
            }
        }

        // Renumber: states without output first, so "has output" is one comparison in the loop.
        var order = (0..<n).filter { ends[$0].isEmpty }
        let firstOutput = order.count
        order += (0..<n).filter { !ends[$0].isEmpty }
        var newNumber = [Int](repeating: 0, count: n)
        for (new, old) in order.enumerated() { newNumber[old] = new }
        // The start state must stay state 0: it never has output (keywords are not empty).
        precondition(newNumber[0] == 0)
        var transitions = [Int32](repeating: 0, count: n * classCount)
        for old in 0..<n {
            let row = newNumber[old] * classCount
            for c in 0..<classCount { transitions[row + c] = Int32(newNumber[Int(delta[old][c])] * classCount) }
        }
        var outputStart: [Int32] = [0]
        var outputKeywords: [Int32] = []
        for old in order[firstOutput...] {
            outputKeywords += ends[old]
            outputStart.append(Int32(outputKeywords.count))
        }
        self.transitions = transitions
        self.firstOutputRow = firstOutput * classCount
        self.outputStart = outputStart
        self.outputKeywords = outputKeywords
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
    }

    /// Number of automaton states.
    public var stateCount: Int { transitions.count / max(classCount, 1) }

    /// The rules that listed keyword `k`.
    public func rules(ofKeyword k: Int) -> [Int] { rulesByKeyword[k] }

    /// Calls `body(keyword, start)` for every occurrence of every keyword, in order of their ends.
    public func forEachHit(in bytes: UnsafeRawBufferPointer, _ body: (_ keyword: Int, _ start: Int) -> Void) {
        guard !keywords.isEmpty, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = bytes.count
        let threshold = firstOutputRow
        let classCount = self.classCount
        classOf.withUnsafeBufferPointer { classes in
            transitions.withUnsafeBufferPointer { table in
                var row = 0
                var i = 0
                while i < count {
                    row = Int(table[row &+ Int(classes[Int(base[i])])])
                    if row >= threshold {
                        let s = (row - threshold) / classCount
                        for j in Int(outputStart[s])..<Int(outputStart[s + 1]) {
                            let k = Int(outputKeywords[j])
                            body(k, i + 1 - keywords[k].count)
                        }
                    }
                    i &+= 1
                }
            }
        }
    }

    /// One keyword occurrence.
    public struct Hit: Sendable, Hashable {
        public var keyword: Int
        public var start: Int
    }

    /// Every keyword occurrence, in order of their ends.
    public func hits(in bytes: UnsafeRawBufferPointer) -> [Hit] {
        var result: [Hit] = []
        forEachHit(in: bytes) { result.append(Hit(keyword: $0, start: $1)) }
        return result
    }

    /// Which rules have at least one keyword in `bytes`.
    public func rulesPresent(in bytes: UnsafeRawBufferPointer, ruleCount: Int) -> [Bool] {
        var present = [Bool](repeating: false, count: ruleCount)
        forEachHit(in: bytes) { k, _ in for r in rulesByKeyword[k] { present[r] = true } }
        return present
    }
}
