import MoatBytes
@testable import MoatCore
import XCTest

final class ArchiveSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = ArchiveSniffer()

    func testSafetensorsInsideAZip() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/release_model.zip")))
        XCTAssertEqual(d.format, "archive")
        XCTAssertEqual(d.category, .modelWeights)
        XCTAssertEqual(details(d)["inner_format"], "safetensors")
        XCTAssertEqual(details(d)["inner_path"], "release/model.safetensors")
        XCTAssertEqual(d.summary.parameters, 128 * 96)
    }

    func testTorchCheckpointInsideATarGz() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/checkpoint.tar.gz")))
        XCTAssertEqual(details(d)["inner_format"], "pytorch-zip")
        XCTAssertEqual(details(d)["inner_path"], "checkpoint/pytorch_model.bin")
        XCTAssertEqual(d.summary.parameters, 785)
    }

    func testNpyInsideAGzipStream() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/models/embeddings.npy.gz")))
        XCTAssertEqual(details(d)["inner_format"], "numpy-npy")
        XCTAssertEqual(details(d)["inner_path"], "embeddings.npy")
    }

    func testCutArchiveReportsWhatItCouldRead() {
        // The first 2 KiB of the tar.gz inflate to the tar header and part of the member: never a trap.
        let b = fixture("positive/models/checkpoint.tar.gz")
        _ = sniffer.sniff(memoryInput(Array(b.prefix(2048)), name: "checkpoint.tar.gz"))
    }

    func testArchivesOfOrdinaryFilesAreNotMine() {
        assertNotMine(sniffInput("negative/docs.zip"))
        assertNotMine(sniffInput("negative/models/docs.tar.gz"))
        assertNotMine(sniffInput("negative/notes.txt.gz"))
        assertNotMine(sniffInput("negative/datasets/src.tar"))
    }

    func testOthers() {
        // Torch zips are zips too: in the registry their own sniffer claims them first.
        assertClaimsOnlyModels(["positive/models/release_model.zip", "positive/models/checkpoint.tar.gz", "positive/models/embeddings.npy.gz"],
                               also: ["positive/models/mlp.pt2", "positive/models/global_step10/mp_rank_00_model_states.pt",
                                      "positive/models/global_step10/zero_pp_rank_0_mp_rank_00_optim_states.pt",
                                      "positive/models/training_args.bin", "positive/datasets/train.tfrecord.gz",
                                      "positive/datasets/shard-000000.tar"])
    }
}
