import MoatBytes
@testable import MoatCore
import XCTest

/// The model-family fixtures (`generate.py --only models`), each one sniffer's own.
let modelFamilyPositives = [
    "positive/models/tf2_ckpt/ckpt-1.index", "positive/models/tf1_train/model.ckpt-1.index",
    "positive/models/saved_model/variables/variables.index", "positive/models/saved_model/saved_model.pb",
    "positive/models/flax_model.msgpack", "positive/models/train_state.msgpack", "positive/models/dcp/.metadata",
    "positive/models/mlp.pt2", "positive/models/global_step10/mp_rank_00_model_states.pt",
    "positive/models/global_step10/zero_pp_rank_0_mp_rank_00_optim_states.pt", "positive/models/xgb_model.ubj",
    "positive/models/xgb_model.json", "positive/models/lgbm_model.txt", "positive/models/catboost_model.cbm",
    "positive/models/random_forest.joblib", "positive/models/logreg.pkl", "positive/models/training_args.bin",
    "positive/models/release_model.zip", "positive/models/checkpoint.tar.gz", "positive/models/embeddings.npy.gz",
    "positive/models/mlp.mlmodel", "positive/models/mlp.mlpackage/Data/com.apple.CoreML/model.mlmodel",
    "positive/models/mlp.mlpackage/Data/com.apple.CoreML/weights/weight.bin", "positive/models/openvino/model.xml",
    "positive/models/gguf_split/tiny-00001-of-00002.gguf", "positive/models/gguf_split/tiny-00002-of-00002.gguf",
    "positive/models/mlx_adapters.safetensors", "positive/models/onnx_external/model.onnx",
    "positive/models/mlp.pte",
]

/// Model-family negatives: a checkpoint's pointer text, an unfitted estimator, an archive of text.
let modelFamilyNegatives = ["positive/models/tf1_train/checkpoint", "negative/models/unfitted_estimator.pkl", "negative/models/docs.tar.gz"]

extension SnifferAssertions {
    /// The sniffer claims no ordinary negative, no dataset fixture, no model-family negative, and of the
    /// model-family fixtures only `own`; `also` lists other fixtures it may claim (containers of them).
    func assertClaimsOnlyModels(_ own: Set<String>, also: Set<String> = [], file: StaticString = #filePath, line: UInt = #line) {
        for path in ordinaryNegatives + datasetPositives + modelFamilyPositives + modelFamilyNegatives
        where !own.contains(path) && !also.contains(path) {
            XCTAssertFalse(fixture(path).isEmpty, "missing fixture \(path)", file: file, line: line)
            if case .found(let d) = sniffer.sniff(sniffInput(path)) {
                XCTFail("\(path) claimed as \(d.label)", file: file, line: line)
            }
        }
    }
}
