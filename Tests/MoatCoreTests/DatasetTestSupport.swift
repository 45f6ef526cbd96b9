import MoatBytes
@testable import MoatCore
import XCTest

/// Inputs for the dataset sniffers' tests.
func memoryInput(_ bytes: [UInt8], name: String = "data.bin") -> SniffInput {
    SniffInput(path: PathBytes(name), source: MemoryByteSource(bytes))
}

/// `count` bytes of a fixed pseudo-random sequence (xorshift), the same on every machine.
func pseudoRandomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var x = seed
    return (0..<count).map { _ in
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        return UInt8(truncatingIfNeeded: x >> 24)
    }
}

/// The ordinary binaries and texts no dataset sniffer may claim.
let ordinaryNegatives = [
    "negative/random.bin", "negative/noise.png", "negative/noise.jpg", "negative/document.pdf", "negative/docs.zip",
    "negative/tiny_elf_binary", "negative/app.sqlite", "negative/notes.txt.gz", "negative/notes.txt.xz", "negative/tone.wav",
    "negative/image_256x256.u16.raw", "negative/tokens_int32.bin", "negative/tokens_int64.bin", "negative/train_utils.py",
    "negative/settings.json", "negative/readme_utf16.txt", "negative/lfs/model.safetensors",
    "negative/datasets/lfs/train-00000-of-00004.parquet", "negative/datasets/src.tar", "negative/datasets/small.csv",
    "negative/datasets/app-log.jsonl", "negative/datasets/tsconfig.json", "negative/datasets/speech.s16le.raw",
    "negative/datasets/uniform_ids.u16.bin", "negative/datasets/counter.u16.bin",
    "positive/weights_fc1.f16.bin", "positive/weights_fc1.bf16.bin", "positive/weights_fc1.f32.bin", "positive/tiny-llama.safetensors",
]

/// The dataset fixtures, each one sniffer's own: no other dataset sniffer may claim it.
let datasetPositives = [
    "positive/datasets/reviews.parquet", "positive/datasets/train-00000-of-00001.parquet", "positive/datasets/reviews.arrow",
    "positive/datasets/reviews.feather", "positive/datasets/events.arrows", "positive/datasets/hf_saved/data-00000-of-00001.arrow",
    "positive/datasets/hf_saved/dataset_info.json", "positive/datasets/hf_saved/state.json", "positive/datasets/train.tfrecord",
    "positive/datasets/train.tfrecord.gz", "positive/datasets/shard-000000.tar", "positive/datasets/sft_chat.jsonl",
    "positive/datasets/alpaca_data.json", "positive/datasets/train.bin", "positive/datasets/val.bin",
    "positive/datasets/fineweb_val_000000.bin", "positive/datasets/lmdb/data.mdb", "positive/datasets/ratings.csv",
]

extension SnifferAssertions {
    /// The sniffer claims none of the ordinary negatives, and of the dataset fixtures only `own`.
    func assertClaimsOnly(_ own: Set<String>, file: StaticString = #filePath, line: UInt = #line) {
        for path in ordinaryNegatives + datasetPositives where !own.contains(path) {
            XCTAssertFalse(fixture(path).isEmpty, "missing fixture \(path)", file: file, line: line)
            if case .found(let d) = sniffer.sniff(sniffInput(path)) {
                XCTFail("\(path) claimed as \(d.label)", file: file, line: line)
            }
        }
    }
}
