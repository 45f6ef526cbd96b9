import MoatBytes
@testable import MoatCore
import XCTest

/// What the pickle and torch-zip sniffers say about scikit-learn estimators, DeepSpeed shards,
/// torch.export programs and Hugging Face `training_args.bin`.
final class ModelFamilyPickleTests: XCTestCase {
    func detect(_ path: String) -> Detection? {
        for s in [TorchZipSniffer(), PickleSniffer()] as [any Sniffer] {
            if case .found(let d) = s.sniff(sniffInput(path)) { return d }
        }
        return nil
    }

    func testFittedEstimatorsAreModelsAndUnfittedOnesAreNot() throws {
        let lr = try XCTUnwrap(detect("positive/models/logreg.pkl"))
        XCTAssertEqual(lr.label, "scikit-learn model")
        XCTAssertTrue(lr.summary.notes.contains { $0.hasPrefix("fitted: ") && $0.contains("coef_") }, "\(lr.summary.notes)")
        let rf = try XCTUnwrap(detect("positive/models/random_forest.joblib"))
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: rf.summary.details)["class"], "sklearn.ensemble._forest.RandomForestClassifier")
        XCTAssertNil(detect("negative/models/unfitted_estimator.pkl"))
    }

    func testFittedAttributeNames() {
        for name in ["coef_", "estimators_", "n_features_in_", "tree_"] { XCTAssertTrue(PickleSniffer.isFittedAttribute(name), name) }
        for name in ["_sklearn_version", "C", "penalty", "dunder__", "x_", "Coef_"] { XCTAssertFalse(PickleSniffer.isFittedAttribute(name), name) }
    }

    func testTrainingArgumentsAreAnAssetWhoseTokenIsFound() throws {
        let d = try XCTUnwrap(detect("positive/models/training_args.bin"))
        XCTAssertEqual(d.format, "hf-training-args")
        XCTAssertEqual(d.category, .modelAsset)
        XCTAssertTrue(d.summary.notes.contains("hub_token set"))
        let outcome = ContentScanner(secrets: SecretDetector()).examine(path: PathBytes("training_args.bin"),
                                                                       source: MemoryByteSource(fixture("positive/models/training_args.bin")))
        XCTAssertTrue(outcome.findings.contains { $0.rule == "secret.huggingface-access-token" })
    }

    func testDeepSpeedShardsAreNamed() throws {
        let m = try XCTUnwrap(detect("positive/models/global_step10/mp_rank_00_model_states.pt"))
        XCTAssertEqual(m.label, "DeepSpeed model states")
        XCTAssertEqual(m.summary.parameters, 785)
        let o = try XCTUnwrap(detect("positive/models/global_step10/zero_pp_rank_0_mp_rank_00_optim_states.pt"))
        XCTAssertEqual(o.label, "DeepSpeed ZeRO optimizer shard")
        XCTAssertEqual(o.category, .optimizerState)
    }

    func testExportedProgramCountsItsWeights() throws {
        let d = try XCTUnwrap(detect("positive/models/mlp.pt2"))
        XCTAssertEqual(d.summary.tensors, 4)
        XCTAssertEqual(d.summary.parameters, 785)
        XCTAssertEqual(d.summary.dtypes, ["float32"])
    }
}
