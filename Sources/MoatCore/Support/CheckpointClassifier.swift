/// Tells model weights from training checkpoints, optimizer state and gradients by the structure of
/// a walked pickle (research notes 2.4 and 4): which keys sit at the top, where each tensor lives
/// (under `optimizer`, under a `state` + `param_groups` dict, under `scheduler`/`rng_state`, ...),
/// and which per-parameter optimizer slots exist. Shared by the torch and pickle sniffers.
struct CheckpointEvidence {
    /// Where a tensor lives.
    enum Role: Int, CaseIterable { case model, optimizer, training, gradient }

    struct Tally {
        var count = 0
        var elements = 0
        var known = 0
        var dtypes: [String] = []

        mutating func add(_ t: PickleTensor) {
            count += 1
            if let e = t.elements { elements = saturatingAdd(elements, e); known += 1 }
            if let d = t.dtype, dtypes.count < ArtifactSummary.maxDtypes, !dtypes.contains(d) { dtypes.append(d) }
        }

        mutating func merge(_ o: Tally) {
            count += o.count
            elements = saturatingAdd(elements, o.elements)
            known += o.known
            for d in o.dtypes where dtypes.count < ArtifactSummary.maxDtypes && !dtypes.contains(d) { dtypes.append(d) }
        }
    }

    /// String keys of the top-level dict (or of the root object's state), first 256.
    var topKeys: [String] = []
    /// `parent/key` and `a/b/key` for dict keys one and two levels down, first 512.
    var keyPaths: [String] = []
    /// A dict with both `state` and `param_groups` was seen (a `torch.optim` state dict).
    var optimizerDict = false
    /// Keys seen inside optimizer state (per-parameter slots like `exp_avg`), first 256.
    var optimizerKeys: Set<String> = []
    /// Unambiguous optimizer-slot keys seen anywhere.
    var optimizerSlots: Set<String> = []
    /// Scalars of the first `param_groups` entry (`lr`, `betas`, `decoupled_weight_decay`, ...).
    var paramGroup: [String: PickleValue] = [:]
    /// Training-state keys at the top level, in order (`epoch`, `global_step`, `lr_scheduler`).
    var trainingKeys: [String] = []
    /// The whole thing is a RNG-state dict (`python`, `numpy`, `cpu`, `cuda`).
    var rngState = false
    var tallies: [Tally] = Array(repeating: Tally(), count: Role.allCases.count)
    /// Keys of model tensors (parameter names), first 256.
    var tensorNames: [String] = []
    /// False when the walk or the traversal stopped early: counts are partial.
    var complete = true

    func tally(_ r: Role) -> Tally { tallies[r.rawValue] }

    var optimizerPresent: Bool { tally(.optimizer).count > 0 || optimizerDict || !optimizerSlots.isEmpty }

    // MARK: vocabulary

    /// Per-parameter optimizer slots that mean optimizer state wherever they appear.
    static let strongOptimizerKeys: Set<String> = [
        "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer", "square_avg", "acc_delta", "exp_inf", "mu_product",
        "fp32_flat_groups", "single_partition_of_fp32_groups", "base_optimizer_state",
    ]
    /// Top-level keys that mean training state (beyond the optimizer).
    static let trainingSignals: Set<String> = [
        "epoch", "epochs", "global_step", "global_steps", "step", "steps", "iteration", "iterations", "iter", "num_updates",
        "global_samples", "skipped_steps", "total_steps", "best_epoch", "best_step", "num_floating_point_operations_so_far",
        "scheduler", "schedulers", "lr_scheduler", "lr_schedulers", "opt_param_scheduler", "scheduler_state_dict",
        "lr_scheduler_state_dict", "base_lrs", "last_epoch", "_step_count",
        "rng_state", "rng_states", "random_state", "cuda_rng_state", "cpu_rng_state", "torch_rng_state", "numpy_rng_state",
        "python_rng_state", "rng_tracker_states",
        "pytorch-lightning_version", "loops", "callbacks", "hparams_name", "hyper_parameters",
        "ds_version", "ds_config", "dp_world_size", "mp_world_size", "zero_stage", "partition_count", "loss_scaler",
        "dynamic_loss_scale", "data_sampler", "checkpoint_version",
        "scaler", "grad_scaler", "amp", "scaler_state_dict", "native_amp_scaling_state",
        "loss", "best_loss", "best_metric", "best_acc", "best_val_loss", "train_loss", "val_loss",
    ]
    /// Keys whose values are training state, not weights (tensors under them are not parameters).
    static let trainingContainers: Set<String> = trainingSignals.union(["args", "data_sampler", "sampler", "dataloader", "trainer_state"])
    static let optimizerContainers: Set<String> = [
        "optimizer", "optimizers", "optimizer_states", "optimizer_state", "optimizer_state_dict", "optim", "optim_state",
        "optim_state_dict", "opt", "opt_state", "base_optimizer_state", "optimizer_dict", "fp32_flat_groups",
        "single_partition_of_fp32_groups",
    ]
    static let rngKeys: Set<String> = ["python", "numpy", "cpu", "cuda", "mps", "xpu", "npu", "hpu", "mlu"]

    /// Per-parameter slots as they appear in flattened names too (`state.0.exp_avg`, `fc1.weight/momentum_buffer`).
    static let slotMarkers: [(String, [UInt8])] = ["exp_avg_sq", "max_exp_avg_sq", "exp_avg", "momentum_buffer", "square_avg", "acc_delta",
                                                   "exp_inf", "mu_product"].map { ($0, Array($0.utf8)) }

    /// The optimizer slot a key names, if any. Byte-level: this runs for every key of a state dict.
    static func optimizerSlot(in k: String) -> String? {
        if strongOptimizerKeys.contains(k) { return k }
        let b = Array(k.utf8)
        guard b.count > 6, b.contains(0x5F) else { return nil }
        return slotMarkers.first { b.firstRange(of: $0.1) != nil }?.0
    }

    static func isOptimizerContainer(_ k: String) -> Bool {
        optimizerContainers.contains(k) || k.hasPrefix("optimizer") || k.hasPrefix("optim_")
    }

    static let gradientNames: Set<[UInt8]> = Set(["grad", "grads", "gradient", "gradients", "param_grads", "parameter_grads"].map { Array($0.utf8) })
    static let gradientSuffixes = [".grad", "_grad", ".grads", "_grads"].map { Array($0.utf8) }
    static let gradientPrefixes = ["grad.", "grads.", "gradients.", "grad/", "grads/", "gradients/", "grad_of_"].map { Array($0.utf8) }
    static let requiresGrad = Array("requires_grad".utf8)

    /// `grads`, `gradients`, `fc1.weight.grad`, `weight_grad` (not `requires_grad`, `grad_scaler`, `gradient_clip_val`).
    static func isGradientKey(_ k: String) -> Bool {
        var l = Array(k.utf8)
        guard l.count >= 4 else { return false }
        for i in l.indices where l[i] >= 0x41 && l[i] <= 0x5A { l[i] |= 0x20 }
        // Cheap exit: every pattern contains "grad".
        guard l.firstRange(of: [0x67, 0x72, 0x61, 0x64]) != nil else { return false }
        if gradientNames.contains(l) { return true }
        if l.has(requiresGrad, at: l.count - requiresGrad.count) { return false }
        if gradientSuffixes.contains(where: { l.has($0, at: l.count - $0.count) }) { return true }
        return gradientPrefixes.contains { l.has($0, at: 0) }
    }

    // MARK: building

    init() {}

    /// Evidence from one walk.
    init(_ walk: PickleWalk) {
        absorb(walk)
    }

    /// Adds what one walk shows (TorchScript has `data.pkl` and `constants.pkl`).
    mutating func absorb(_ walk: PickleWalk) {
        var t = Traversal(walk: walk)
        if let root = walk.root {
            t.rootIsRNG = Traversal.isRNGDict(walk, root)
            if t.rootIsRNG { rngState = true }
            t.visit(root, role: .model, depth: 0, level: 0, key: nil, path: "", into: &self)
        } else {
            // No STOP: look at whatever is on the stack, and at the strings seen.
            complete = false
            for v in walk.pending { t.visit(v, role: .model, depth: 1, level: 1, key: nil, path: "?", into: &self) }
            for s in walk.strings where CheckpointEvidence.strongOptimizerKeys.contains(s) { optimizerSlots.insert(s) }
            for s in walk.strings where ["global_step", "lr_scheduler", "lr_schedulers", "pytorch-lightning_version", "ds_version"].contains(s)
                && !trainingKeys.contains(s) { trainingKeys.append(s) }
        }
        if t.exhausted || walk.itemsDropped { complete = false }
        for (i, tensor) in walk.tensors.enumerated() {
            if let r = t.roles[i] {
                tallies[r.rawValue].add(tensor)
            } else if !complete || walk.root == nil {
                tallies[Role.model.rawValue].add(tensor)
            }
        }
    }

    private struct Traversal {
        let walk: PickleWalk
        var visited: [Bool]
        var roles: [Role?]
        var budget = 2_000_000
        var exhausted = false
        var rootIsRNG = false
        static let maxDepth = 64

        init(walk: PickleWalk) {
            self.walk = walk
            visited = Array(repeating: false, count: walk.containers.count)
            roles = Array(repeating: nil, count: walk.tensors.count)
        }

        static func isRNGDict(_ w: PickleWalk, _ root: PickleValue) -> Bool {
            guard let c = w.container(root), c.kind == .dict, c.items.count >= 4 else { return false }
            var keys: [String] = []
            var i = 0
            while i + 1 < c.items.count {
                guard case .string(let k) = c.items[i] else { return false }
                keys.append(k)
                i += 2
            }
            return keys.allSatisfy { CheckpointEvidence.rngKeys.contains($0) } && (keys.contains("python") || keys.contains("cpu"))
        }

        mutating func visit(_ v: PickleValue, role: Role, depth: Int, level: Int, key: String?, path: String, into ev: inout CheckpointEvidence) {
            guard depth <= Traversal.maxDepth, budget > 0 else { exhausted = true; return }
            budget -= 1
            switch v {
            case .tensor(let ti):
                guard roles[ti] == nil else { return }
                var r = role
                if r == .model, let k = key, CheckpointEvidence.isGradientKey(k) { r = .gradient }
                roles[ti] = r
                if r == .model || r == .gradient, let k = key, ev.tensorNames.count < 256 { ev.tensorNames.append(k) }
            case .container(let ci):
                guard ci < visited.count, !visited[ci] else { return }
                visited[ci] = true
                let c = walk.containers[ci]
                switch c.kind {
                case .dict:
                    visitDict(c.items, role: role, depth: depth, level: level, key: key, path: path, into: &ev)
                case .list, .tuple, .set:
                    for item in c.items { visit(item, role: role, depth: depth + 1, level: level, key: key, path: path, into: &ev) }
                case .object:
                    if c.items.count >= 2, case .string = c.items[0] {
                        visitDict(c.items, role: role, depth: depth, level: level, key: key, path: path, into: &ev)
                    } else {
                        for item in c.items { visit(item, role: role, depth: depth + 1, level: level, key: key, path: path, into: &ev) }
                    }
                    if let o = walk.objects[ci] {
                        visit(o.args, role: role, depth: depth + 1, level: level, key: key, path: path, into: &ev)
                        // An object's state is its attributes: same level as the object itself.
                        visit(o.state, role: role, depth: depth + 1, level: level, key: key, path: path, into: &ev)
                    }
                }
            default:
                return
            }
        }

        mutating func visitDict(_ items: [PickleValue], role: Role, depth: Int, level: Int, key: String?, path: String, into ev: inout CheckpointEvidence) {
            var hasState = false, hasGroups = false
            var i = 0
            while i + 1 < items.count {
                if case .string(let k) = items[i] {
                    if k == "state" { hasState = true } else if k == "param_groups" { hasGroups = true }
                }
                i += 2
            }
            let isOptimizer = hasState && hasGroups
            if isOptimizer { ev.optimizerDict = true }
            if key == "param_groups" && ev.paramGroup.isEmpty {
                i = 0
                while i + 1 < items.count {
                    if case .string(let k) = items[i] {
                        switch items[i + 1] {
                        case .bool, .int, .float, .none, .string: ev.paramGroup[k] = items[i + 1]
                        case .container(let ci) where walk.containers[ci].kind == .tuple && walk.containers[ci].items.count <= 4:
                            ev.paramGroup[k] = items[i + 1]
                        default: break
                        }
                    }
                    i += 2
                }
            }
            i = 0
            while i + 1 < items.count {
                defer { i += 2 }
                var ks: String?
                if case .string(let k) = items[i] { ks = k }
                var childRole = role
                var childPath = path
                if let k = ks {
                    if level == 0 {
                        if ev.topKeys.count < 256 { ev.topKeys.append(k) }
                        if CheckpointEvidence.trainingSignals.contains(k), !ev.trainingKeys.contains(k) { ev.trainingKeys.append(k) }
                    } else if level <= 2, ev.keyPaths.count < 512 {
                        ev.keyPaths.append(path + "/" + k)
                    }
                    if level <= 2 { childPath = level == 0 ? k : path + "/" + k }
                    if (role == .optimizer || isOptimizer), ev.optimizerKeys.count < 256 { ev.optimizerKeys.insert(k) }
                    if let slot = CheckpointEvidence.optimizerSlot(in: k) { ev.optimizerSlots.insert(slot) }
                }
                if role == .model {
                    if isOptimizer {
                        childRole = .optimizer
                    } else if rootIsRNG && level == 0 {
                        childRole = .training
                    } else if let k = ks {
                        if CheckpointEvidence.isOptimizerContainer(k) || CheckpointEvidence.optimizerSlot(in: k) != nil { childRole = .optimizer }
                        else if CheckpointEvidence.trainingContainers.contains(k) { childRole = .training }
                        else if CheckpointEvidence.isGradientKey(k) { childRole = .gradient }
                    }
                }
                visit(items[i + 1], role: childRole, depth: depth + 1, level: level + 1, key: ks ?? key, path: childPath, into: &ev)
            }
        }
    }
}

/// What the evidence amounts to.
struct CheckpointVerdict {
    enum Kind { case weights, checkpoint, optimizer, gradients, trainingMetadata }
    var kind: Kind
    var category: Category
    var summary: ArtifactSummary

    /// The usual label for a PyTorch file of this kind.
    var torchLabel: String {
        switch kind {
        case .weights: return "PyTorch model weights"
        case .checkpoint, .trainingMetadata: return "PyTorch training checkpoint"
        case .optimizer: return "PyTorch optimizer state"
        case .gradients: return "PyTorch gradients"
        }
    }
}

enum CheckpointClassifier {
    /// nil when there is nothing worth reporting (no tensors and no training state).
    static func verdict(_ ev: CheckpointEvidence) -> CheckpointVerdict? {
        let model = ev.tally(.model), optim = ev.tally(.optimizer), grads = ev.tally(.gradient), training = ev.tally(.training)
        let optimizer = ev.optimizerPresent
        let trainingState = !ev.trainingKeys.isEmpty || ev.rngState
        let kind: CheckpointVerdict.Kind
        if optimizer && (model.count > 0 || grads.count > 0) { kind = .checkpoint }
        else if optimizer { kind = .optimizer }
        else if trainingState && model.count > 0 { kind = .checkpoint }
        else if grads.count > 0 { kind = .gradients }
        else if model.count > 0 { kind = .weights }
        else if trainingState { kind = .trainingMetadata }
        else { return nil }

        var primary = CheckpointEvidence.Tally()
        switch kind {
        case .weights: primary = model
        case .checkpoint, .gradients: primary = model; primary.merge(grads)
        case .optimizer: primary = optim; primary.merge(training)
        case .trainingMetadata: primary = training
        }
        var s = ArtifactSummary()
        s.tensors = primary.count > 0 ? primary.count : nil
        if primary.known > 0 { s.parameters = primary.elements }
        for d in primary.dtypes { s.addDtype(d) }
        if optimizer { s.optimizer = optimizerName(ev) }
        if kind == .checkpoint, optim.count > 0 {
            s.addNote("optimizer state: \(optim.count) \(optim.count == 1 ? "tensor" : "tensors")")
            s.addDetail("optimizer_tensors", String(optim.count))
            if optim.known > 0 { s.addDetail("optimizer_parameters", String(optim.elements)) }
        }
        let stateKeys = ev.trainingKeys.filter { !CheckpointEvidence.isOptimizerContainer($0) }
        if !stateKeys.isEmpty {
            s.addNote("training state: " + stateKeys.prefix(6).joined(separator: ", ") + (stateKeys.count > 6 ? ", ..." : ""))
        }
        if ev.rngState { s.addNote("RNG state") }
        if kind == .trainingMetadata { s.addNote("training metadata only, no weights") }
        if let arch = ev.tensorNames.lazy.compactMap(TensorNames.architecture(of:)).first { s.architecture = arch }
        if ev.tensorNames.contains(where: { $0.contains("lora_") || $0.contains("lora.") }) { s.addNote("LoRA/adapter weights") }
        if !ev.complete { s.addNote("partial: counts cover what could be read") }
        if !ev.topKeys.isEmpty { s.addDetail("top_keys", ev.topKeys.prefix(8).joined(separator: ",")) }

        let category: Category
        switch kind {
        case .weights: category = .modelWeights
        case .checkpoint, .trainingMetadata: category = .trainingCheckpoint
        case .optimizer: category = .optimizerState
        case .gradients: category = .gradients
        }
        return CheckpointVerdict(kind: kind, category: category, summary: s)
    }

    /// The optimizer, from its per-parameter slots and its param-group settings
    /// (verified against torch 2.x `state_dict()` of each `torch.optim` class).
    static func optimizerName(_ ev: CheckpointEvidence) -> String? {
        let k = ev.optimizerKeys.union(ev.optimizerSlots)
        let g = ev.paramGroup
        func has(_ s: String) -> Bool { k.contains(s) }
        if has("exp_avg") && has("exp_inf") { return "Adamax" }
        if has("mu_product") || g["momentum_decay"] != nil { return "NAdam" }
        if has("exp_avg") && has("exp_avg_sq") || g["betas"] != nil && g["amsgrad"] != nil {
            switch g["decoupled_weight_decay"] {
            case .bool(true)?: return g["amsgrad"] == nil ? "RAdam" : "AdamW"
            case .bool(false)?: return g["amsgrad"] == nil ? "RAdam" : "Adam"
            default: return "Adam/AdamW"
            }
        }
        if has("momentum_buffer") || g["nesterov"] != nil || g["dampening"] != nil { return g["ns_steps"] != nil ? "Muon" : "SGD" }
        if has("acc_delta") || g["rho"] != nil { return "Adadelta" }
        if has("square_avg") || g["centered"] != nil { return "RMSprop" }
        if g["lr_decay"] != nil || g["initial_accumulator_value"] != nil { return "Adagrad" }
        if has("row_var") || has("col_var") || g["beta2_decay"] != nil { return "Adafactor" }
        if g["t0"] != nil && g["lambd"] != nil { return "ASGD" }
        if g["etas"] != nil { return "Rprop" }
        if has("old_dirs") || g["history_size"] != nil { return "LBFGS" }
        if has("state1") && has("state2") { return "Adam (8-bit)" }
        if has("exp_avg") { return "Adam-family" }
        return nil
    }
}
