import MoatBytes
import XCTest

final class PathBytesTests: XCTestCase {
    func testUTF8PathsPrintAsThemselves() {
        XCTAssertEqual(PathBytes("models/llama/model.safetensors").description, "models/llama/model.safetensors")
        XCTAssertEqual(PathBytes("données/modèle €.bin").description, "données/modèle €.bin")
        XCTAssertEqual(PathBytes("").description, "")
    }

    func testNonUTF8BytesAreQuotedInOctal() {
        // Latin-1 "été" is not UTF-8.
        XCTAssertEqual(PathBytes(Array("dir/".utf8) + [0xE9, 0x74, 0xE9] + Array(".bin".utf8)).description, "\"dir/\\351t\\351.bin\"")
        XCTAssertEqual(PathBytes([0xFF]).description, "\"\\377\"")
        XCTAssertEqual(PathBytes([0x80, 0x01]).description, "\"\\200\\001\"")
    }

    func testValidSequencesStayReadableNextToInvalidBytes() {
        // "é" in UTF-8 (C3 A9) then a lone E9: the first stays, the second is escaped.
        XCTAssertEqual(PathBytes([0xC3, 0xA9, 0xE9]).description, "\"é\\351\"")
        // A 4-byte emoji survives quoting.
        XCTAssertEqual(PathBytes(Array("😀".utf8) + [0xFF]).description, "\"😀\\377\"")
    }

    func testMalformedSequencesAreEscaped() {
        // Truncated at the end, overlong encoding of "/", a surrogate.
        XCTAssertEqual(PathBytes([0x61, 0xC3]).description, "\"a\\303\"")
        XCTAssertEqual(PathBytes([0xC0, 0xAF]).description, "\"\\300\\257\"")
        XCTAssertEqual(PathBytes([0xED, 0xA0, 0x80]).description, "\"\\355\\240\\200\"")
        // In a quoted path a C1 control (U+0085) is escaped, not printed.
        XCTAssertEqual(PathBytes([0x09, 0xC2, 0x85]).description, "\"\\t\\302\\205\"")
    }

    func testControlCharactersQuotesAndBackslashes() {
        XCTAssertEqual(PathBytes("a\tb").description, "\"a\\tb\"")
        XCTAssertEqual(PathBytes("line\nbreak\r").description, "\"line\\nbreak\\r\"")
        XCTAssertEqual(PathBytes("say \"hi\"").description, "\"say \\\"hi\\\"\"")
        XCTAssertEqual(PathBytes("back\\slash").description, "\"back\\\\slash\"")
        XCTAssertEqual(PathBytes([0x61, 0x7F]).description, "\"a\\177\"")
        XCTAssertEqual(PathBytes([0x61, 0x00]).description, "\"a\\000\"")
    }

    func testFileNameAppendingAndLowercased() {
        XCTAssertEqual(PathBytes("a/b/Model.PT").fileName, Array("Model.PT".utf8))
        XCTAssertEqual(PathBytes("Model.PT").fileName, Array("Model.PT".utf8))
        XCTAssertEqual(PathBytes("dir/").fileName, [])
        XCTAssertEqual(PathBytes([0xFF, 0x2F, 0xFE]).fileName, [0xFE])

        XCTAssertEqual(PathBytes("a").appending(Array("b".utf8)), PathBytes("a/b"))
        XCTAssertEqual(PathBytes("a/").appending(Array("b".utf8)), PathBytes("a/b"))
        XCTAssertEqual(PathBytes("").appending(Array("b".utf8)), PathBytes("b"))
        XCTAssertEqual(PathBytes([0xFF]).appending([0xFE]).bytes, [0xFF, 0x2F, 0xFE])

        // ASCII letters only: UTF-8 and Latin-1 bytes are left as they are.
        XCTAssertEqual(PathBytes("Ünïcode/MODEL.Bin").lowercased, Array("Ünïcode/model.bin".utf8))
        XCTAssertEqual(PathBytes([0x41, 0xC9, 0x5A]).lowercased, [0x61, 0xC9, 0x7A])
    }

    func testOrderIsByteOrder() {
        XCTAssertLessThan(PathBytes("B"), PathBytes("a"))
        XCTAssertLessThan(PathBytes("a"), PathBytes("ab"))
        XCTAssertLessThan(PathBytes("z"), PathBytes([0xC3, 0xA9]))
        XCTAssertEqual([PathBytes([0xFF]), PathBytes("b/c"), PathBytes("b")].sorted(), [PathBytes("b"), PathBytes("b/c"), PathBytes([0xFF])])
        XCTAssertEqual(Set([PathBytes("x"), PathBytes(Array("x".utf8))]).count, 1)
    }
}

// MARK: C1 controls (issue 9)

extension PathBytesTests {
    func testC1ControlCharactersAreQuotedLikeGit() {
        // U+009B is CSI: "a\u{9B}31m" would turn the terminal red. Git quotes it as octal.
        XCTAssertEqual(PathBytes([0x61, 0xC2, 0x9B, 0x33, 0x31, 0x6D]).description, "\"a\\302\\23331m\"")
        XCTAssertEqual(PathBytes([0xC2, 0x85]).description, "\"\\302\\205\"")
        // U+00A0 and above stay readable.
        XCTAssertEqual(PathBytes(Array("caf\u{E9}\u{A0}".utf8)).description, "caf\u{E9}\u{A0}")
    }
}
