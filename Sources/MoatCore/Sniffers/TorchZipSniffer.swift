/// PyTorch's zip format (`torch.save` since 1.6, TorchScript `torch.jit.save`, `torch.export.save`).
///
/// A zip whose entries all sit under one folder; `<dir>/data.pkl` (first entry for `torch.save`)
/// is a pickle whose tensors are `torch._utils._rebuild_tensor_v2` calls on persistent-id storages.
/// The pickle is walked, never unpickled: tensor count, dtypes and shapes come from it, and its
/// keys tell weights from training checkpoints, optimizer state and gradients (research 2.2, 2.4).
public struct TorchZipSniffer: Sniffer {
    public let id = "pytorch-zip"
    public init() {}

    static let maxPickleBytes = 16 << 20
    static let maxConstantsBytes = 4 << 20

    public func sniff(_ input: SniffInput) -> SniffResult {
        guard input.head.has([0x50, 0x4B, 0x03, 0x04], at: 0), let zip = input.zip, !zip.entries.isEmpty else { return .notMine }
        // The folder every torch entry sits under: from data.pkl, or from the first entry otherwise.
        let dataPkl = zip.entries.first { TorchZipSniffer.member($0.name, "data.pkl") != nil }
        guard let folder = dataPkl.flatMap({ TorchZipSniffer.member($0.name, "data.pkl") }) ?? TorchZipSniffer.folder(of: zip.entries[0].name) else {
            return .notMine
        }
        let prefix = folder + [0x2F]
        let names = zip.entries.lazy.map(\.name)
        let isScript = names.contains { $0 == prefix + ascii("constants.pkl") || $0.starts(with: prefix + ascii("code/__torch__")) }
        guard let dataPkl else {
            return TorchZipSniffer.exported(zip, prefix: prefix, input: input)
        }
        guard dataPkl.method == 0 || dataPkl.method == 8,
              let bytes = zip.contentPrefix(of: dataPkl, in: input, limit: TorchZipSniffer.maxPickleBytes),
              bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) else { return .notMine }
        let walk = PickleWalker.walk(bytes)
        let layout = names.contains { $0 == prefix + ascii("version") || $0 == prefix + ascii("byteorder") || $0.starts(with: prefix + ascii("data/")) }
        // A pickle without torch globals counts only inside torch's own layout (a scheduler's state dict).
        guard walk.references(module: "torch") || isScript || layout else { return .notMine }
        var problems: [String] = []
        if let p = TorchZipSniffer.problem(walk, read: bytes.count, declared: dataPkl.uncompressedSize, name: "data.pkl") { problems.append(p) }

        if isScript {
            var ev = CheckpointEvidence(walk)
            if let constants = zip.entries.first(where: { $0.name == prefix + ascii("constants.pkl") }),
               let cb = zip.contentPrefix(of: constants, in: input, limit: TorchZipSniffer.maxConstantsBytes), cb.first == 0x80 {
                ev.absorb(PickleWalker.walk(cb))
            }
            var all = CheckpointEvidence.Tally()
            for t in ev.tallies { all.merge(t) }
            var s = ArtifactSummary()
            s.tensors = all.count
            if all.known > 0 { s.parameters = all.elements }
            for d in all.dtypes { s.addDtype(d) }
            if let arch = ev.tensorNames.lazy.compactMap(TensorNames.architecture(of:)).first { s.architecture = arch }
            let code = zip.entries.filter { $0.name.starts(with: prefix + ascii("code/")) && !$0.nameString.hasSuffix(".debug_pkl") }.count
            s.addDetail("code_files", String(code))
            return .found(Detection(format: id, category: .modelWeights, label: "TorchScript model", summary: s, problems: problems))
        }

        if let args = TorchZipSniffer.trainingArguments(walk) { return .found(args) }
        guard var verdict = CheckpointClassifier.verdict(CheckpointEvidence(walk)) else { return .notMine }
        if let v = walk.proto { verdict.summary.addDetail("pickle_protocol", String(v)) }
        var label = verdict.torchLabel
        // DeepSpeed's engine saves `ds_version` and `ds_config` in every shard it writes (research 2.5).
        if walk.strings.contains("ds_version") && walk.strings.contains("ds_config") {
            label = verdict.category == .optimizerState ? "DeepSpeed ZeRO optimizer shard" : "DeepSpeed model states"
            verdict.summary.addDetail("writer", "DeepSpeed")
        }
        return .found(Detection(format: id, category: verdict.category, label: label, summary: verdict.summary, problems: problems))
    }

    /// A pickled Hugging Face `TrainingArguments` (Trainer's `training_args.bin`): hyperparameters,
    /// output paths and possibly a `hub_token` (the secret scan searches the pickle's strings). An asset.
    static func trainingArguments(_ walk: PickleWalk) -> Detection? {
        guard let cls = walk.globals.first(where: { $0.module.hasPrefix("transformers.") && $0.name.hasSuffix("TrainingArguments") }) else {
            return nil
        }
        var s = ArtifactSummary()
        s.addDetail("class", cls.fullName)
        if walk.strings.contains("hub_token"), let i = walk.strings.firstIndex(of: "hub_token"), i + 1 < walk.strings.count,
           walk.strings[i + 1].hasPrefix("hf_") {
            s.addNote("hub_token set")
        }
        return Detection(format: "hf-training-args", category: .modelAsset, label: "Hugging Face TrainingArguments (\(cls.name))", summary: s)
    }

    /// For `<dir>/<leaf>` with exactly one `/` and a plausible folder name: the folder.
    static func member(_ name: [UInt8], _ leaf: String) -> [UInt8]? {
        let l = Array(leaf.utf8)
        guard name.count > l.count + 1, name.has(l, at: name.count - l.count), name[name.count - l.count - 1] == 0x2F else { return nil }
        let dir = Array(name[0..<(name.count - l.count - 1)])
        return validFolder(dir) ? dir : nil
    }

    static func folder(of name: [UInt8]) -> [UInt8]? {
        guard let slash = name.firstIndex(of: 0x2F) else { return nil }
        let dir = Array(name[..<slash])
        return validFolder(dir) ? dir : nil
    }

    /// torch names the folder after the file's stem (or `archive`): never empty, `.`, `..`, or with separators.
    static func validFolder(_ dir: [UInt8]) -> Bool {
        !dir.isEmpty && dir != [0x2E] && dir != [0x2E, 0x2E] && !dir.contains(where: { $0 < 0x20 || $0 == 0x2F || $0 == 0x5C || $0 == 0x3A })
    }

    /// A problem sentence when a walk did not reach STOP.
    static func problem(_ walk: PickleWalk, read: Int, declared: Int, name: String) -> String? {
        switch walk.end {
        case .stop:
            return nil
        case .truncated:
            if declared > read { return "\(name) is \(FindingMessage.bytes(declared)): read the first \(FindingMessage.bytes(read))" }
            return "\(name) truncated"
        case .invalid(let why):
            return "\(name) is not a valid pickle after \(walk.ops) opcodes (\(why))"
        case .budget(let why):
            return "\(name) truncated: the walk stopped at its \(why) budget"
        }
    }

    /// `torch.export.save` (`.pt2`): weights are raw members under `data/weights/`.
    static func exported(_ zip: ZipDirectory, prefix: [UInt8], input: SniffInput) -> SniffResult {
        let names = zip.entries.lazy.map(\.name)
        guard names.contains(where: { $0 == prefix + ascii("archive_format") || $0 == prefix + ascii("models/model.json") }) else { return .notMine }
        let weightsDir = prefix + ascii("data/weights/"), constantsDir = prefix + ascii("data/constants/")
        var s = ArtifactSummary()
        var count = 0, bytes = 0
        for e in zip.entries where (e.name.starts(with: weightsDir) || e.name.starts(with: constantsDir)) && !e.nameString.hasSuffix(".json") {
            count += 1
            bytes = saturatingAdd(bytes, e.uncompressedSize)
        }
        guard count > 0 else { return .notMine }
        s.tensors = count
        s.tensorBytes = bytes
        if let config = zip.entries.first(where: { $0.name == weightsDir + ascii("model_weights_config.json") }),
           let json = zip.contentPrefix(of: config, in: input, limit: maxConstantsBytes) {
            ExportedProgramWeights.read(json, into: &s)
        }
        return .found(Detection(format: "pytorch-zip", category: .modelWeights, label: "PyTorch exported program (.pt2)", summary: s))
    }
}
