import MoatBytes
@testable import MoatCore
import XCTest

final class LlmcTokenSnifferTests: XCTestCase, SnifferAssertions {
    let sniffer = LlmcTokenSniffer()

    func header(magic: UInt32, version: UInt32, tokens: UInt32) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 1024)
        for (i, v) in [magic, version, tokens].enumerated() {
            for k in 0..<4 { h[4 * i + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
        }
        return h
    }

    func testGPT2Shard() throws {
        let d = try XCTUnwrap(found(sniffInput("positive/datasets/fineweb_val_000000.bin")))
        XCTAssertEqual(d.format, "llmc-tokens")
        XCTAssertEqual(d.summary.notes, ["40,000 tokens (GPT-2 tokenizer, uint16)"])
        XCTAssertFalse(d.hasStrings)
    }

    func testLlama3Shard() throws {
        let d = try XCTUnwrap(found(memoryInput(header(magic: 20_240_801, version: 7, tokens: 10) + [UInt8](repeating: 1, count: 40))))
        XCTAssertEqual(details(d)["tokenizer"], "Llama 3")
        XCTAssertTrue(d.problems.isEmpty)
    }

    func testSizeMustMatch() throws {
        let b = fixture("positive/datasets/fineweb_val_000000.bin")
        let cut = try XCTUnwrap(found(memoryInput(Array(b.prefix(5000)))))
        XCTAssertTrue(cut.problems.first?.hasPrefix("truncated") ?? false)
        assertNotMine(memoryInput(b + [0, 0]))  // bytes past the tokens
        assertNotMine(memoryInput(header(magic: 20_240_520, version: 7, tokens: 0)))  // wrong version for the magic
        var reserved = header(magic: 20_240_520, version: 1, tokens: 0)
        reserved[500] = 1
        assertNotMine(memoryInput(reserved))
        assertNotMine(memoryInput(header(magic: 20_240_520, version: 1, tokens: 0xFFFF_FFFF)))  // negative count
    }

    func testOthers() { assertClaimsOnly(["positive/datasets/fineweb_val_000000.bin"]) }
}
