import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

final class TokenDumpSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = TokenDumpSniffer()

    func testNanoGPTCharAndBPEDumps() throws {
        let char = try XCTUnwrap(found(sniffInput("positive/datasets/train.bin")))
        XCTAssertEqual(char.format, "token-dump")
        XCTAssertEqual(char.category, .dataset)
        XCTAssertEqual(details(char)["tokens"], "150000")
        XCTAssertFalse(char.hasStrings)
        let bpe = try XCTUnwrap(found(sniffInput("positive/datasets/val.bin")))
        XCTAssertEqual(details(bpe)["tokens"], "60000")
        XCTAssertLessThan(Int(details(bpe)["max_token_id_seen"] ?? "") ?? .max, 8192)
    }

    func testStatisticsSeparateTokensFromSignals() {
        // The margins behind the thresholds, on the fixtures (first 64 KiB).
        let tokens = TokenDumpSniffer.statistics(Array(fixture("positive/datasets/val.bin").prefix(65536)))
        XCTAssertTrue(tokens.looksLikeTokens, "\(tokens)")
        XCTAssertGreaterThan(tokens.differenceEntropy, tokens.entropy + 1)
        let pcm = TokenDumpSniffer.statistics(Array(fixture("negative/datasets/speech.s16le.raw").prefix(65536)))
        XCTAssertLessThan(pcm.differenceEntropy, pcm.entropy, "\(pcm)")
        let uniform = TokenDumpSniffer.statistics(Array(fixture("negative/datasets/uniform_ids.u16.bin").prefix(65536)))
        XCTAssertGreaterThan(uniform.entropy, FloatLaneStatistics.log2(Double(uniform.distinct)) - 0.5, "\(uniform)")
    }

    func testHardNegatives() {
        // 16-bit PCM, images, float16/bfloat16 weights, int32 tokens, uniform ids, counters, random bytes.
        for path in ["negative/datasets/speech.s16le.raw", "negative/image_256x256.u16.raw", "positive/weights_fc1.f16.bin",
                     "positive/weights_fc1.bf16.bin", "negative/tokens_int32.bin", "negative/datasets/uniform_ids.u16.bin",
                     "negative/datasets/counter.u16.bin", "negative/random.bin", "negative/tone.wav"] {
            if case .found = sniffer.sniff(sniffInput(path)) { XCTFail("\(path) taken for tokens") }
        }
        // Float32 PCM (two tones and a little noise): no token dump, whatever the raw-dump test makes of it.
        var x: UInt32 = 7
        let pcm = (0..<48_000).flatMap { i -> [UInt8] in
            x = x &* 1_664_525 &+ 1_013_904_223
            let v = Float(0.4 * sin(Double(i) * 0.0577) + 0.1 * sin(Double(i) * 0.61)) + Float(x >> 8) / Float(1 << 24) * 0.01
            return withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
        }
        assertNotMine(memoryInput(pcm))
        // UTF-16 text without a byte-order mark.
        let ascii16 = Array(String(repeating: "Plain words in UTF-16, no BOM at all. ", count: 600).utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        assertNotMine(memoryInput(ascii16))
        // Odd sizes and small files.
        let bpe = fixture("positive/datasets/val.bin")
        assertNotMine(memoryInput(Array(bpe.prefix(bpe.count - 1))))
        assertNotMine(memoryInput(Array(bpe.prefix(8192))))
    }

    func testEveryWindowMustAgree() {
        // Tokens up front, then a smooth signal: not a token dump.
        let tokens = Array(fixture("positive/datasets/val.bin").prefix(65536))
        let pcm = fixture("negative/datasets/speech.s16le.raw")
        assertNotMine(memoryInput(tokens + pcm + pcm))
    }

    func testOthers() {
        // llm.c shards are token dumps behind a header (LlmcTokenSniffer, earlier in the registry, names them).
        assertClaimsOnly(["positive/datasets/train.bin", "positive/datasets/val.bin", "positive/datasets/fineweb_val_000000.bin"])
    }
}
