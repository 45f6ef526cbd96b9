/// What tensor names reveal: architecture family, adapters, optimizer slots, gradients.
/// Used by every format whose header lists names (safetensors, GGUF, torch, npz ...).
struct TensorNames {
    private(set) var architecture: String?
    private(set) var isAdapter = false
    private(set) var optimizerSlots: Set<String> = []
    private(set) var mentionsGradients = false
    private(set) var count = 0

    static let optimizerMarkers = ["exp_avg_sq", "exp_avg", "momentum_buffer", "square_avg", "max_exp_avg_sq",
                                   "moment1", "moment2", "optimizer.", "optim.state", "opt_state", ".optimizer_slot", "optimizer/"]

    mutating func add(_ name: String) {
        count += 1
        if architecture == nil { architecture = TensorNames.architecture(of: name) }
        if !isAdapter, name.contains("lora_") || name.contains("lora.") || name.contains("adapter") { isAdapter = true }
        for m in TensorNames.optimizerMarkers where name.contains(m) { optimizerSlots.insert(m) }
        if !mentionsGradients, name.contains("grad") { mentionsGradients = true }
    }

    static func architecture(of name: String) -> String? {
        if name.contains("self_attn.q_proj") || name.contains("mlp.gate_proj") { return "Llama-style decoder" }
        if name.contains(".attn.c_attn") || name.hasPrefix("transformer.wte") { return "GPT-2-style decoder" }
        if name.contains("attention.self.query") || name.hasPrefix("bert.") { return "BERT-style encoder" }
        if name.contains("self_attention.query_key_value") { return "Falcon/BLOOM-style decoder" }
        if name.hasPrefix("blk.") && name.contains("attn_q") { return "GGUF transformer" }
        if name.contains("unet.") || name.contains("down_blocks.") { return "diffusion UNet" }
        return nil
    }

    /// Applies what the names say to a summary and returns the category they imply (nil: weights).
    func apply(to s: inout ArtifactSummary) -> Category? {
        if s.architecture == nil { s.architecture = architecture }
        if isAdapter { s.addNote("LoRA/adapter weights") }
        if !optimizerSlots.isEmpty {
            if optimizerSlots.contains("exp_avg_sq") || optimizerSlots.contains("moment2") { s.optimizer = "Adam-family" }
            else if optimizerSlots.contains("momentum_buffer") { s.optimizer = "SGD with momentum" }
            return .optimizerState
        }
        if mentionsGradients { return .gradients }
        return nil
    }
}
