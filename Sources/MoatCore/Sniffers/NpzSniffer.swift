/// NumPy `.npz`: a zip of `.npy` members (stored by `savez`, deflated by `savez_compressed`).
/// Each member's header is read (inflating a few hundred bytes when compressed) for dtype and shape.
public struct NpzSniffer: Sniffer {
    public let id = "numpy-npz"
    public init() {}

    static let maxMembersRead = 4_096

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard let zip = input.zip, !zip.entries.isEmpty,
              zip.entries.allSatisfy({ $0.nameString.hasSuffix(".npy") }) else { return .notMine }
        var s = ArtifactSummary()
        var names = TensorNames()
        var elements = 0, bytes = 0, read = 0, anyFloat = false, parsed = 0
        // Float members whose neighbouring values move together (filter banks, lookup tables):
        // constants of a model's code, not trained values.
        var floatMembers = 0, signalMembers = 0
        for entry in zip.entries {
            let name = String(entry.nameString.dropLast(4))
            names.add(name)
            guard read < NpzSniffer.maxMembersRead else { continue }
            read += 1
            guard let prefix = zip.contentPrefix(of: entry, in: input, limit: 1024), let h = NumpySniffer.parseHeader(prefix) else { continue }
            parsed += 1
            elements = saturatingAdd(elements, h.elements)
            bytes = saturatingAdd(bytes, h.dataBytes ?? 0)
            anyFloat = anyFloat || h.isFloat
            s.addDtype(h.dtypeName)
            if h.isFloat, floatMembers < 64 {
                floatMembers += 1
                if Self.isSignal(zip, entry, input, h) { signalMembers += 1 }
            }
        }
        guard parsed > 0 else { return .notMine }
        s.tensors = zip.declaredCount
        s.parameters = elements
        s.tensorBytes = bytes
        if parsed < zip.entries.count { s.addNote("\(parsed) of \(zip.entries.count) members read") }
        var d = Detection(format: id, category: anyFloat ? .tensorDump : .dataset, label: "NumPy archive")
        if floatMembers > 0, signalMembers == floatMembers, zip.entries.count <= 64 {
            d.category = .modelAsset
            d.label = "NumPy archive of constants"
            s.addNote("smooth float arrays (filter banks, lookup tables), not trained values")
            d.summary = s
            return .found(d)
        }
        if let implied = names.apply(to: &s) {
            d.category = implied
        } else if anyFloat, s.architecture != nil || zip.entries.contains(where: { n in
            ["weight", "kernel", "bias", "embed"].contains { n.nameString.lowercased().contains($0) } }) {
            d.category = .modelWeights
            d.label = "model weights (NumPy archive)"
        }
        d.summary = s
        return .found(d)
    }

    /// Whether the member's first values (up to 64 KiB) are constants rather than trained values: a
    /// sampled signal (neighbours correlated above `RawTensorSniffer.signalCorrelation`) or a
    /// non-negative, mostly-zero bank (mel filters).
    static func isSignal(_ zip: ZipDirectory, _ entry: ZipDirectory.Entry, _ input: SniffInput, _ h: NumpySniffer.Header) -> Bool {
        let kind: FloatLaneStatistics.Kind
        switch h.descr {
        case "<f4": kind = .float32
        case "<f8": kind = .float64
        case "<f2": kind = .float16
        default: return false
        }
        guard let prefix = zip.contentPrefix(of: entry, in: input, limit: h.dataOffset + 64 * 1024), prefix.count > h.dataOffset else { return false }
        return prefix[h.dataOffset...].withUnsafeBytes { w in
            (FloatLaneStatistics.neighbourCorrelation(w, kind: kind) ?? 0) > RawTensorSniffer.signalCorrelation
                || FloatLaneStatistics.isSparseNonNegative(w, kind: kind)
        }
    }
}
