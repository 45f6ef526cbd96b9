/// One finding per secret in a history sweep: the same value found by the same rule in many blob
/// versions (a documented value in a file edited in 30 commits) is one finding, the place where it
/// was first introduced, listing every place in `occurrences`.
public enum FindingGrouping {
    /// At most this many places are listed per finding in JSON (`occurrences.count` is the total).
    public static let listedPlaces = 100

    /// `findings` with secret findings of equal fingerprint (rule + value) merged, earliest
    /// introduction first; artifacts and lone secrets unchanged. Order otherwise kept.
    public static func byValue(_ findings: [Finding]) -> [Finding] {
        var groups: [String: [Int]] = [:]
        for (i, f) in findings.enumerated() where f.kind == .secret {
            groups[f.fingerprint, default: []].append(i)
        }
        var drop = Set<Int>()
        var out = findings
        for (_, members) in groups where members.count > 1 {
            let ordered = members.sorted { a, b in
                let (x, y) = (findings[a], findings[b])
                let (ox, oy) = (x.provenance?.order ?? .max, y.provenance?.order ?? .max)
                if ox != oy { return ox < oy }
                let (tx, ty) = (x.provenance?.time ?? .max, y.provenance?.time ?? .max)
                if tx != ty { return tx < ty }
                if x.path != y.path { return x.path.bytes.lexicographicallyPrecedes(y.path.bytes) }
                return (x.line ?? 0, a) < (y.line ?? 0, b)
            }
            var first = findings[ordered[0]]
            first.occurrences = ordered.map { i in
                let f = findings[i]
                return Occurrence(path: f.path, commit: f.commit, blob: f.blob, line: f.line, time: f.provenance?.time)
            }
            out[members[0]] = first
            drop.formUnion(members.dropFirst())
        }
        return out.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
    }
}
