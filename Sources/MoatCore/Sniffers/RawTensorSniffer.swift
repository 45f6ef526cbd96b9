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
    /// The longest header a dump may have before its body (an ONNX TensorProto's is tens of bytes).
    static let headerLimit = 1024
    static let wideWindow = 64 * 1024
    /// How far into a sequential-only source the agreement windows may reach.
    static let streamSpan = 4 * 1024 * 1024

    /// Neighbouring values correlated above this are a sampled signal (PCM audio, a lookup table,
    /// a filter bank), not weights (measured: trained weights and gradients |r| < 0.1; 16 kHz
    /// speech 0.8-0.95).
    static let signalCorrelation = 0.8

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.size >= RawTensorSniffer.window else { return .notMine }
        var prefix = 0, phase = 0
        var bodyStart: Int?
        var found = classify(input, at: 0)
        if found == nil || input.size % found!.width != 0 {
            // Not from byte 0: a dump behind a short header (an ONNX TensorProto, a custom format).
            guard let (k, start) = bodyAfterPrefix(input) else { return .notMine }
            found = k
            prefix = start
            phase = start % k.width
            bodyStart = Self.tensorProtoRawData(input.head, size: input.size).flatMap { $0 % k.width == phase ? $0 : nil }
        }
        guard let kind = found else { return .notMine }
        // The first 64 KiB of the body: the neighbour test here, the magnitude hints below.
        let head = input.bytes(at: prefix, count: RawTensorSniffer.wideWindow)
        if let head, let r = head.withUnsafeBytes({ FloatLaneStatistics.neighbourCorrelation($0, kind: kind) }),
           r > Self.signalCorrelation {
            return .notMine
        }
        if input.size >= 64 * 1024 {
            // On a stream (a big packed blob) only the prefix is cheap: sample within it.
            let span = input.source.isRandomAccess ? input.size : min(input.size, RawTensorSniffer.streamSpan)
            var withData = 0, agree = 0
            for q in 1...3 {
                let offset = (span / 4 * q) / 8 * 8 + prefix % kind.width
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
        // Behind a header the body's start is known only to its phase: count from there (the
        // header adds a few values at most).
        let start = bodyStart ?? phase
        s.parameters = (input.size - start) / kind.width
        s.tensorBytes = input.size - start
        if kind == .float32Upcast { s.addNote("16-bit values stored as float32") }
        if bodyStart != nil { s.addNote("an ONNX TensorProto: \(start)-byte header, then raw_data") }
        else if prefix > 0 { s.addNote("tensor data behind a short header") }
        if let head, let m = head.withUnsafeBytes({ FloatLaneStatistics.magnitude($0, kind: kind) }) {
            // Hints only (ml-formats.md 2.4): magnitudes overlap between training stages.
            if m.allPositive && m.medianExponent <= -20 { s.addNote("values look like an Adam second moment") }
            else if !m.allPositive && m.medianExponent <= -10 { s.addNote("magnitudes look like gradients") }
        }
        return .found(Detection(format: "raw-\(name)", category: .tensorDump, label: "raw \(name) tensor dump", summary: s, hasStrings: false))
    }

    /// Where a float body starts behind a short header: the window after the first one, tried at
    /// every byte phase, must classify, and the file's remaining size be a multiple of the width
    /// from that phase. Returns the kind and that window's offset (past the header, in phase with
    /// the values). Only for inputs of 64 KiB or more, where the quarter windows must agree too.
    func bodyAfterPrefix(_ input: SniffInput) -> (FloatLaneStatistics.Kind, Int)? {
        guard input.size >= 64 * 1024 else { return nil }
        for phase in 0..<8 {
            let offset = RawTensorSniffer.window + phase
            guard let k = classify(input, at: offset), phase < k.width, (input.size - phase) % k.width == 0 else { continue }
            // A header is short: the window from 1 KiB on, mostly body, must agree.
            guard let early = classify(input, at: RawTensorSniffer.headerLimit + phase), early.family == k.family else { continue }
            return (k, offset)
        }
        return nil
    }

    /// Where the raw_data of a serialized ONNX TensorProto starts: its field 9 (tag 0x4A) with a
    /// varint length that runs exactly to the end of the input, within the first `headerLimit`
    /// bytes (dims, data_type and name come first).
    static func tensorProtoRawData(_ head: [UInt8], size: Int) -> Int? {
        for q in 0..<min(head.count, headerLimit) where head[q] == 0x4A {
            var length = 0, shift = 0, i = q + 1
            while i < head.count, i - q <= 10 {
                let b = head[i]
                length |= Int(b & 0x7F) << shift
                i += 1
                if b & 0x80 == 0 { break }
                shift += 7
                if shift > 56 { break }
            }
            if length > 0, i <= head.count, head[i - 1] & 0x80 == 0, size - i == length { return i }
        }
        return nil
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
