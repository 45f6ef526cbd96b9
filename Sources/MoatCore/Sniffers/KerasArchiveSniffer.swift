/// Keras 3 `.keras` archives: a zip with `metadata.json` (`keras_version`, `date_saved`),
/// `config.json` (`module`, `class_name`, `config`, optional `compile_config`) and
/// `model.weights.h5` (or `model.weights.npz`), all stored by Keras (source: keras/src/saving/saving_lib.py).
///
/// The weights member is walked as HDF5 in place when stored (bounded reads), or from a 64 KiB
/// inflated prefix when deflated: `layers/*/vars` give the tensor and parameter counts, and
/// `optimizer/vars` with slot variables make it a training checkpoint.
public struct KerasArchiveSniffer: Sniffer {
    public let id = "keras-v3"
    public init() {}

    static let maxMetadata = 64 * 1024
    static let maxConfig = 1024 * 1024
    static let weightsPrefix = 64 * 1024

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard let zip = input.zip,
              let meta = zip.first(where: { $0 == "metadata.json" }),
              let config = zip.first(where: { $0 == "config.json" }),
              let weights = zip.first(where: { $0 == "model.weights.h5" || $0 == "model.weights.npz" }) else { return .notMine }

        // metadata.json must be a JSON object (Keras always writes keras_version).
        guard meta.uncompressedSize <= KerasArchiveSniffer.maxMetadata,
              let mb = zip.contentPrefix(of: meta, in: input, limit: KerasArchiveSniffer.maxMetadata),
              let metadata = JSONScanner.parse(mb, 0..<mb.count), metadata.members != nil else { return .notMine }

        var s = ArtifactSummary()
        var training = false
        var optimizerFromConfig: String?
        if let v = metadata["keras_version"]?.string { s.addDetail("keras_version", String(v.prefix(64))) }

        if config.uncompressedSize <= KerasArchiveSniffer.maxConfig,
           let cb = zip.contentPrefix(of: config, in: input, limit: KerasArchiveSniffer.maxConfig),
           let cfg = JSONScanner.parse(cb, 0..<cb.count) {
            if let c = cfg["class_name"]?.string { s.addDetail("class_name", String(c.prefix(128))) }
            if let m = cfg["module"]?.string { s.addDetail("module", String(m.prefix(128))) }
            if let o = cfg["compile_config"]?["optimizer"] {
                optimizerFromConfig = o["class_name"]?.string ?? o.string
            }
        }

        var d = Detection(format: id, category: .modelWeights, label: "Keras 3 model")
        if weights.nameString.hasSuffix(".h5"), let walk = KerasArchiveSniffer.walkWeights(weights, zip: zip, input: input) {
            let hd = HDF5Sniffer.classify(walk.walk, head: walk.head, format: id)
            var merged = hd.summary
            for (k, v) in s.details.reversed() { merged.details.insert((k, v), at: 0) }
            s = merged
            training = hd.category == .trainingCheckpoint
        } else {
            s.addDetail("weights", weights.nameString)
        }
        if training {
            d.category = .trainingCheckpoint
            if let o = optimizerFromConfig { s.optimizer = String(o.prefix(64)) }
        } else {
            s.optimizer = nil
        }
        d.summary = s
        return .found(d)
    }

    /// Walks `model.weights.h5`: in place when stored, else over an inflated prefix.
    static func walkWeights(_ e: ZipDirectory.Entry, zip: ZipDirectory, input: SniffInput) -> (walk: HDF5Walk, head: [UInt8])? {
        let reader: RandomReader
        let head: [UInt8]
        if e.method == 0, let off = zip.dataOffset(of: e, in: input) {
            let len = e.compressedSize > 0 ? min(e.compressedSize, input.size - off) : input.size - off
            reader = RandomReader(input, base: off, length: len, maxLoads: 4_096)
            guard let h = input.bytes(at: off, count: min(len, weightsPrefix)) else { return nil }
            head = h
        } else {
            guard let b = zip.contentPrefix(of: e, in: input, limit: weightsPrefix) else { return nil }
            reader = RandomReader(bytes: b)
            head = b
        }
        guard head.has(HDF5Sniffer.signature, at: 0), let file = HDF5File.open(reader, signatureAt: 0) else { return nil }
        let walk = HDF5Walk(file)
        guard walk.run() else { return nil }
        return (walk, head)
    }
}
