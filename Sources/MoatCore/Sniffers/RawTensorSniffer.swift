/// Headerless tensor dumps (`tensor.numpy().tofile("grads.bin")`, ONNX external data, TF `.data-*`):
/// the statistical last resort, run only on binaries no other sniffer recognised.
///
/// File rule (ml-formats.md 3.3): the 4 KiB window at offset 0 must look like floats of one type
/// (a dump has data from byte 0), the size must be a multiple of that type's width, and for inputs
/// of 64 KiB or more at least 2 of 3 windows at 1/4, 1/2 and 3/4 that hold non-zero data must agree.
public struct RawTensorSniffer: Sniffer {
    public let id = "raw-tensor"
    public init() {}

    static let window = 4096
    static let wideWindow = 64 * 1024
    /// How far into a sequential-only source the agreement windows may reach.
    static let streamSpan = 4 * 1024 * 1024

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size >= RawTensorSniffer.window, let kind = classify(input, at: 0) else { return .notMine }
        guard input.size % kind.width == 0 else { return .notMine }
        if input.size >= 64 * 1024 {
            // On a stream (a big packed blob) only the prefix is cheap: sample within it.
            let span = input.source.isRandomAccess ? input.size : min(input.size, RawTensorSniffer.streamSpan)
            var withData = 0, agree = 0
            for q in 1...3 {
                let offset = (span / 4 * q) / 8 * 8
                guard let bytes = input.bytes(at: offset, count: RawTensorSniffer.window) else { continue }
                if bytes.allSatisfy({ $0 == 0 }) { continue }
                withData += 1
                if let k = classify(input, at: offset), k.family == kind.family { agree += 1 }
            }
            guard withData == 0 || agree * 3 >= withData * 2 else { return .notMine }
        }
        let name: String
        switch kind {
        case .float32: name = "float32"
        case .float32Upcast: name = "float32"
        case .bfloat16: name = "bfloat16"
        case .float16: name = "float16"
        case .float64: name = "float64"
        }
        var s = ArtifactSummary()
        s.addDtype(name)
        s.parameters = input.size / kind.width
        s.tensorBytes = input.size
        if kind == .float32Upcast { s.addNote("16-bit values stored as float32") }
        if let head = input.bytes(at: 0, count: RawTensorSniffer.wideWindow),
           let m = head.withUnsafeBytes({ FloatLaneStatistics.magnitude($0, kind: kind) }) {
            // Hints only (ml-formats.md 2.4): magnitudes overlap between training stages.
            if m.allPositive && m.medianExponent <= -20 { s.addNote("values look like an Adam second moment") }
            else if !m.allPositive && m.medianExponent <= -10 { s.addNote("magnitudes look like gradients") }
        }
        return .found(Detection(format: "raw-\(name)", category: .tensorDump, label: "raw \(name) tensor dump", summary: s, hasStrings: false))
    }

    /// Classifies the window at `offset`, widening it when zeros leave too few values.
    func classify(_ input: SniffInput, at offset: Int) -> FloatLaneStatistics.Kind? {
        guard let w = input.bytes(at: offset, count: RawTensorSniffer.window) else { return nil }
        if let k = w.withUnsafeBytes({ FloatLaneStatistics.classify($0) }) { return k }
        let nonZero = w.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        guard nonZero < w.count / 2, let wide = input.bytes(at: offset, count: RawTensorSniffer.wideWindow), wide.count > w.count else { return nil }
        return wide.withUnsafeBytes { FloatLaneStatistics.classify($0) }
    }
}
