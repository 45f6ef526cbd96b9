@testable import MoatCore
import MoatBytes
import XCTest

/// The generic-credential filters: the value validators (`password`, `generic-secret`,
/// `pem-wrapped`, `pem-base64`), the built-in public values, and the file-context rules of
/// `GenericContext` (code files, minified files, Algolia search keys), through the real engine.
final class GenericSecretTests: XCTestCase {
    let detector = SecretDetector()

    func rules(_ path: String, _ text: String) -> [String] {
        let input = SniffInput(path: PathBytes(path), source: MemoryByteSource(Array(text.utf8)))
        return detector.findings(in: input, kind: .text).filter { $0.kind == .secret }.map(\.rule)
    }

    func testPasswordValidator() {
        for ok in ["Fk#7^wq!z2", "super$ecret", "Tr0ub4dor&3x", "thisismypassword", "Fk9 q2 Lw8"] {
            XCTAssertTrue(SecretChecks.password(Array(ok.utf8)), ok)
        }
        for bad in ["${DB_PASSWORD}", "$DB_PASS", "%DB_PASS%", "{{ pw }}", "<your-password>", "********", "changeme", "Password:",
                    "get_password()", "self.password", "os.environ.get", "$2b$12$abcdefghijklmnopqrstuv", "ENC(abcdef)",
                    "correct horse battery staple", "--password", "null", "#add-password", "+new Buffer(", "12345678", "admin:$PASS"] {
            XCTAssertFalse(SecretChecks.password(Array(bad.utf8)), bad)
        }
    }

    func testGenericSecretValidator() {
        for ok in ["Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB", "9c2f1e07b4d6a35e8f01c9b7d2e4a6f8", "AIhq5Xyb1Gga9Q0"] {
            XCTAssertTrue(SecretChecks.genericSecret(Array(ok.utf8)), ok)
        }
        for bad in ["ultraPictureBox1", "DOC_Vector_5_32", "SalesResults-1.2", "my_config_value_2", "550e8400-e29b-41d4-a716-446655440000",
                    "rc0.13.0_20230412", "moatFingerprint/v1", "/etc/moat/keys/server.pem", "aaaaaaaaaaaaaaaaaaaa1", "abcdef012345"] {
            XCTAssertFalse(SecretChecks.genericSecret(Array(bad.utf8)), bad)
        }
    }

    func testKnownPublicValues() {
        XCTAssertTrue(SecretChecks.isKnownPublic(Array("AKIAIOSFODNN7EXAMPLE".utf8)))
        // Neptune's anonymous token (api_key b706bc8f-…) and a piece of a token without api_key.
        let anon = "eyJhcGlfYWRkcmVzcyI6Imh0dHBzOi8vYXBwLm5lcHR1bmUuYWkiLCJhcGlfdXJsIjoiaHR0cHM6Ly9hcHAubmVwdHVuZS5haSIsImFwaV9rZXkiOiJiNzA2YmM4Zi03NmY5LTRjMmUtOTM5ZC00YmEwMzZmOTMyZTQifQ=="
        XCTAssertTrue(SecretChecks.isKnownPublic(Array(anon.utf8)))
        XCTAssertTrue(SecretChecks.isKnownPublic(Array(anon.prefix(96).utf8)))
        let other = "eyJhcGlfYWRkcmVzcyI6Imh0dHBzOi8vYXBwLm5lcHR1bmUuYWkiLCJhcGlfa2V5IjoiRmFrZTlhN2Y2YjJjLW1vYXQtdGVzdCJ9"
        XCTAssertFalse(SecretChecks.isKnownPublic(Array(other.utf8)))
        XCTAssertEqual(rules("run.py", "run = neptune.init_run(api_token=\"\(anon)\")\n"), [])
    }

    func testUnquotedValuesCountInConfigNotInCode() {
        XCTAssertEqual(rules("deploy/.env", "DB_PASSWORD=Fk7pQ2mn9x\n"), ["secret.generic-password-unquoted"])
        XCTAssertEqual(rules("settings.yaml", "db:\n  password: Fk7pQ2mn9x\n"), ["secret.generic-password-unquoted"])
        XCTAssertEqual(rules("app.py", "password = Fk7pQ2mn9x_from_env\n"), [])
        XCTAssertEqual(rules("app.py", "password = \"Fk7pQ2mn9x\"\n"), ["secret.generic-password-assignment"])
        XCTAssertEqual(rules("Main.java", "String apiKey = KeyStore.getDefaultType2019x;\n"), [])
    }

    func testMinifiedAndGeneratedFilesSkipGenericRules() {
        let line = "\"Password:\"),h?x.a.createElement(\"input\",{type:\"password\",value:\"Fk7pQ2mn9x!\"})"
        XCTAssertEqual(rules("static/app.min.js", "var a={password:\"Fk7pQ2mn9x!\"};\n"), [])
        XCTAssertEqual(rules("static/app.js.map", "{\"mappings\":\"token:\\\"Fk7pQ2mn9xQ0zW4LmT8s\\\"\"}\n"), [])
        XCTAssertEqual(rules("static/app.js", String(repeating: "x=1;", count: 600) + "var a={password:\"Fk7pQ2mn9x!\"};" + line + "\n"), [])
        XCTAssertEqual(rules("static/app.js", "var a = {password: \"Fk7pQ2mn9x!\"};\n"), ["secret.generic-password-assignment"])
        // Provider rules still run there: a token with a provider prefix is reported.
        XCTAssertEqual(rules("static/app.min.js", "var t=\"hf_FakePoXBcQPOmSnahftFMtLGXIRiuOsQEm\";\n"), ["secret.huggingface-access-token"])
    }

    func testAWSKeyInsideBase64IsNotAKey() {
        XCTAssertEqual(rules("a.txt", "key AKIAFAKEC3QRNWZ74BTX here\n"), ["secret.aws-access-key-id"])
        XCTAssertEqual(rules("a.txt", "b64 = \"iVBORw0KGgoAAAANSUhEUg9xAKIAFAKEC3QRNWZ74BTXCAYAAAAf\"\n"), [])
        XCTAssertEqual(rules("a.txt", "b64 = \"iVBORw0KGgo+AKIAFAKEC3QRNWZ74BTXCAYAAAAf\"\n"), [])
    }

    func testWrappedPrivateKeys() {
        let body = ["MIIAygIBAASBxG1vYXQgc3ludGhldGljIHRlc3Qga2V5IG1hdGVyaWFsIC0gbm90",
                    "IGEgcmVhbCBwcml2YXRlIGtleSAtIG1vYXQgc3ludGhldGljIHRlc3Qga2V5IG1h",
                    "dGVyaWFsIC0gbm90IGEgcmVhbCBwcml2YXRlIGtleSAtIG1vYXQgc3ludGhldGlj",
                    "IHRlc3Qga2V5IG1hdGVyaWFsIC0gbm90IGEgcmVhbCBwcml2YXRlIGtlo4HIH2q0", "nsFCQtsDVqHaFsZHlGY="]
        let pem = "-----BEGIN PRIVATE KEY-----\n" + body.joined(separator: "\n") + "\n-----END PRIVATE KEY-----\n"
        // A plain block is the specific rule's, once.
        XCTAssertEqual(rules("key.txt", pem), ["secret.private-key-pkcs8"])
        // Doubly escaped inside a notebook cell (one JSON string per line of the cell).
        let notebook = "\"{\\\"private_key\\\": \\\"" + pem.replacingOccurrences(of: "\n", with: "\\\\n") + "\\\"}\\n\""
        XCTAssertEqual(rules("nb.ipynb", notebook), ["secret.private-key-wrapped"])
        // Log lines with a prefix; a stub is not a key.
        XCTAssertEqual(rules("build.log", pem.split(separator: "\n").map { "#5 0.228 " + $0 }.joined(separator: "\n")), ["secret.private-key-wrapped"])
        XCTAssertFalse(SecretChecks.pemWrapped(Array("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC...\n-----END PRIVATE KEY-----".utf8)))
        // base64 of the PEM; base64 of a certificate is not a key.
        let b64 = Array(pem.utf8).base64
        XCTAssertTrue(SecretChecks.pemBase64(Array(b64.utf8)))
        XCTAssertFalse(SecretChecks.pemBase64(Array(Array(pem.replacingOccurrences(of: "PRIVATE KEY", with: "CERTIFICATE").utf8).base64.utf8)))
    }
}

private extension Array where Element == UInt8 {
    var base64: String {
        let a = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < count {
            let n = Int(self[i]) << 16 | (i + 1 < count ? Int(self[i + 1]) << 8 : 0) | (i + 2 < count ? Int(self[i + 2]) : 0)
            out.append(a[n >> 18 & 63]); out.append(a[n >> 12 & 63])
            out.append(i + 1 < count ? a[n >> 6 & 63] : UInt8(ascii: "="))
            out.append(i + 2 < count ? a[n & 63] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
