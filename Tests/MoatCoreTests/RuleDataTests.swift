@testable import MoatCore
import XCTest

/// The rule data of Patterns/ as the generator embeds it, the offline validators against the
/// rules' own examples, and the run-time loader of user rule files. (Every example is also run
/// through the real matching engine by the engine's tests; these tests need no PCRE2.)
final class RuleDataTests: XCTestCase {
    let secret = SecretRule.builtin
    let config = ConfigRule.builtin

    func testRulesAreLoaded() {
        XCTAssertGreaterThanOrEqual(secret.count, 120, "secret rules")
        XCTAssertGreaterThanOrEqual(config.count, 15, "config rules")
        XCTAssertTrue(secret.allSatisfy { $0.source.hasPrefix("secrets-") && $0.source.hasSuffix(".yaml") })
        XCTAssertTrue(config.allSatisfy { $0.source == "sensitive-configs.yaml" })
    }

    func testIDsAreUnique() {
        let ids = secret.map(\.id) + config.map(\.id) + PathRule.builtin.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count, "duplicates: \(Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
    }

    func testKeywordsAreLowerCaseAndLongEnough() {
        for r in secret {
            XCTAssertFalse(r.keywords.isEmpty && !r.slow, r.id)
            for k in r.keywords {
                XCTAssertEqual(k, k.lowercased(), "\(r.id): keyword \(k)")
                XCTAssertTrue(r.slow || k.utf8.count >= 3, "\(r.id): keyword \(k)")
            }
        }
    }

    func testEveryRuleHasASecretGroupAndExamples() {
        for r in secret {
            XCTAssertTrue(r.pattern.contains("(?<secret>"), r.id)
            XCTAssertGreaterThanOrEqual(r.examples.match.count, 2, r.id)
            XCTAssertGreaterThanOrEqual(r.examples.noMatch.count, 2, r.id)
            XCTAssertEqual(r.category, .secret, r.id)
            // Every match example holds one of the rule's keywords, or the engine never looks.
            for ex in r.examples.match {
                XCTAssertTrue(r.keywords.contains { ex.text.lowercased().contains($0) }, "\(r.id): \(ex.text.prefix(60))")
            }
        }
        for r in config {
            XCTAssertFalse(r.globs.isEmpty, r.id)
            if let c = r.content { XCTAssertTrue(c.contains("(?<secret>"), r.id) }
            XCTAssertGreaterThanOrEqual(r.examples.match.count, 2, r.id)
            XCTAssertGreaterThanOrEqual(r.examples.noMatch.count, 2, r.id)
            XCTAssertEqual(r.category, .sensitiveConfig, r.id)
        }
    }

    func testRawLiteralsSurviveGeneration() throws {
        let kaggle = try XCTUnwrap(secret.first { $0.id == "kaggle-json-key" })
        XCTAssertEqual(kaggle.pattern, #""username"\s*:\s*"[^"\n]{1,64}"\s*,\s*"key"\s*:\s*"(?<secret>[0-9a-f]{32})""#)
        XCTAssertEqual(kaggle.keywords, [#""username""#])
        let aws = try XCTUnwrap(secret.first { $0.id == "aws-access-key-id" })
        XCTAssertTrue(aws.examples.match.contains { $0.text.contains("\u{14}AKIA") }, "control characters in examples")
        XCTAssertEqual(aws.validate, .awsKeyID)
        XCTAssertEqual(aws.stopwords, ["example"])
    }

    /// The coverage issue 4 asks for: each entry needs at least one rule.
    func testRequiredCoverage() {
        let required: [String: [String]] = [
            "Hugging Face": ["huggingface-access-token", "huggingface-org-token"],
            "OpenAI": ["openai-api-key"], "OpenAI project": ["openai-project-key"], "OpenAI admin": ["openai-admin-key"],
            "Anthropic": ["anthropic-api-key"], "Anthropic admin": ["anthropic-admin-key"],
            "Google AI / Gemini": ["google-api-key"], "Cohere": ["cohere-api-key"], "Mistral": ["mistral-api-key"],
            "Groq": ["groq-api-key"], "Together": ["together-api-key", "together-api-key-v1"],
            "Replicate": ["replicate-api-token"], "Perplexity": ["perplexity-api-key"], "DeepSeek": ["deepseek-api-key"],
            "xAI": ["xai-api-key"], "Fireworks": ["fireworks-api-key"], "OpenRouter": ["openrouter-api-key"],
            "NVIDIA NGC": ["nvidia-api-key", "ngc-legacy-api-key"],
            "Weights & Biases": ["wandb-api-key", "wandb-api-key-v1", "wandb-netrc-entry"], "Comet": ["comet-api-key"],
            "Neptune": ["neptune-api-token"], "Databricks": ["databricks-token"], "MLflow": ["mlflow-tracking-token"],
            "ClearML": ["clearml-secret-key", "clearml-conf-credentials"], "Kaggle": ["kaggle-json-key", "kaggle-api-token"],
            "AWS key id": ["aws-access-key-id"], "AWS secret": ["aws-secret-access-key"],
            "AWS session token": ["aws-session-token", "aws-session-token-literal"],
            "GCP service account": ["gcp-service-account-private-key", "gcp-service-account-key-id"],
            "GCP API key": ["google-api-key"], "Azure storage connection string": ["azure-storage-account-key"],
            "Azure SAS": ["azure-sas-token"], "Azure client secret": ["azure-client-secret", "azure-client-secret-context"],
            "GitHub classic": ["github-pat", "github-oauth-token", "github-user-to-server-token", "github-server-to-server-token", "github-refresh-token"],
            "GitHub fine-grained": ["github-fine-grained-pat"], "GitLab": ["gitlab-pat"],
            "Bitbucket": ["bitbucket-app-password", "bitbucket-access-token"], "npm": ["npm-access-token"],
            "PyPI": ["pypi-upload-token"], "Docker Hub": ["docker-hub-token"],
            "Slack tokens": ["slack-bot-token", "slack-user-token"], "Slack webhooks": ["slack-webhook-url"],
            "Discord": ["discord-bot-token", "discord-webhook-url"], "Telegram": ["telegram-bot-token"],
            "Stripe": ["stripe-secret-key", "stripe-restricted-key"], "Twilio": ["twilio-api-key", "twilio-auth-token"],
            "SendGrid": ["sendgrid-api-key"], "Mailgun": ["mailgun-api-key"],
            "PEM RSA": ["private-key-rsa"], "PEM EC": ["private-key-ec"], "PEM DSA": ["private-key-dsa"],
            "OpenSSH": ["private-key-openssh"], "PGP": ["private-key-pgp"],
            "PKCS#8": ["private-key-pkcs8"], "PKCS#8 encrypted": ["private-key-pkcs8-encrypted"], "JWT": ["jwt"],
            "database URLs": ["postgres-url-password", "mysql-url-password", "mongodb-url-password", "redis-url-password"],
            "generic": ["generic-credential-assignment"],
        ]
        let requiredConfig: [String: [String]] = [
            ".env": ["dotenv-with-secret"], "kubeconfig": ["kubeconfig-with-credentials"],
            "AWS credentials": ["aws-credentials-file"], "GCP ADC": ["gcp-application-default-credentials"],
            "netrc": ["netrc-with-password"], "pypirc": ["pypirc-with-password"], "npmrc": ["npmrc-with-auth"],
            "docker config": ["docker-config-with-auth"], "HF token cache": ["huggingface-token-cache"],
            "SSH keys": ["ssh-private-key-file"], "git credentials": ["git-credentials"],
        ]
        let secretIDs = Set(secret.map(\.id)), configIDs = Set(config.map(\.id))
        for (what, ids) in required.sorted(by: { $0.key < $1.key }) {
            XCTAssertTrue(ids.allSatisfy(secretIDs.contains), "\(what): missing \(ids.filter { !secretIDs.contains($0) })")
        }
        for (what, ids) in requiredConfig.sorted(by: { $0.key < $1.key }) {
            XCTAssertTrue(ids.allSatisfy(configIDs.contains), "\(what): missing \(ids.filter { !configIDs.contains($0) })")
        }
    }

    // MARK: offline validators against the rules' own examples

    /// Runs of `alphabet` bytes in `text` that start with `prefix`.
    func tokens(_ text: String, prefix: String, alphabet: (UInt8) -> Bool) -> [[UInt8]] {
        let b = Array(text.utf8), p = Array(prefix.utf8)
        var out: [[UInt8]] = []
        var i = 0
        while i + p.count <= b.count {
            if Array(b[i..<i + p.count]) == p {
                var j = i + p.count
                while j < b.count, alphabet(b[j]) { j += 1 }
                out.append(Array(b[i..<j]))
                i = j
            } else { i += 1 }
        }
        return out
    }

    static func alnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }

    func testGitHubChecksumAgainstExamples() throws {
        for id in ["github-pat", "github-oauth-token", "github-user-to-server-token", "github-server-to-server-token", "github-refresh-token"] {
            let r = try XCTUnwrap(secret.first { $0.id == id })
            let prefix = String(r.keywords[0])
            for ex in r.examples.match {
                let t = tokens(ex.text, prefix: prefix, alphabet: Self.alnum)
                XCTAssertFalse(t.isEmpty, id)
                XCTAssertTrue(t.allSatisfy { r.accepts(secret: $0) }, "\(id): \(ex.text)")
            }
            // Each rule has a look-alike whose CRC32 tail is wrong.
            let bad = r.examples.noMatch.flatMap { tokens($0.text, prefix: prefix, alphabet: Self.alnum) }.filter { $0.count == 40 }
            XCTAssertFalse(bad.isEmpty, id)
            XCTAssertTrue(bad.allSatisfy { !SecretChecks.githubChecksum($0) }, id)
        }
        // GitHub's own published sample shape: prefix, 30 payload characters, 6-character CRC32.
        XCTAssertEqual(SecretChecks.base62(0, width: 6), Array("000000".utf8))
        XCTAssertEqual(SecretChecks.crc32(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testPEMValidatorAgainstExamples() {
        func blocks(_ text: String) -> [[UInt8]] {
            let s = Array(text.utf8)
            var out: [[UInt8]] = []
            var from = 0
            while var b = SecretChecks.find(Array("-----BEGIN ".utf8), in: s, from: from),
                  let e = SecretChecks.find(Array("-----END ".utf8), in: s, from: b),
                  let close = SecretChecks.find(Array("-----".utf8), in: s, from: e + 9) {
                // The block is the last BEGIN before its END (a stray BEGIN line may precede it).
                while let later = SecretChecks.find(Array("-----BEGIN ".utf8), in: s, from: b + 1), later < e { b = later }
                out.append(Array(s[b..<(close + 5)]))
                from = close + 5
            }
            return out
        }
        for r in secret where r.validate == .pem {
            for ex in r.examples.match {
                let bs = blocks(ex.text)
                XCTAssertFalse(bs.isEmpty, r.id)
                XCTAssertTrue(bs.contains { SecretChecks.pem($0) }, "\(r.id): \(ex.text.prefix(80))")
            }
        }
        let stub = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----"
        XCTAssertFalse(SecretChecks.pem(Array(stub.utf8)))
        let mismatched = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBXr3iY0pF7m2x6N9vQGk6JxZQ1fWl3h1sZ9Gx3jWJ8ToAoGCCqGSM49\n-----END RSA PRIVATE KEY-----"
        XCTAssertFalse(SecretChecks.pem(Array(mismatched.utf8)))
    }

    func testJWTValidatorAgainstExamples() throws {
        let r = try XCTUnwrap(secret.first { $0.id == "jwt" })
        let jwtByte: (UInt8) -> Bool = { Self.alnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        for ex in r.examples.match {
            let t = tokens(ex.text, prefix: "eyJ", alphabet: jwtByte)
            XCTAssertTrue(t.contains { SecretChecks.jwt($0) }, ex.text)
        }
        // Header without "alg", and a header that is not JSON.
        XCTAssertFalse(SecretChecks.jwt(Array("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl".utf8)))
        XCTAssertFalse(SecretChecks.jwt(Array("eyJub3Rqc29u.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl".utf8)))
        // The jwt.io sample is a stopword.
        XCTAssertFalse(r.accepts(secret: Array("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c".utf8)))
    }

    func testAWSKeyIDValidatorAndStopword() throws {
        let r = try XCTUnwrap(secret.first { $0.id == "aws-access-key-id" })
        let upper: (UInt8) -> Bool = { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }
        for ex in r.examples.match {
            let t = (tokens(ex.text, prefix: "AKIA", alphabet: upper) + tokens(ex.text, prefix: "ASIA", alphabet: upper)).filter { $0.count == 20 }
            XCTAssertTrue(t.contains { r.accepts(secret: $0) }, ex.text)
        }
        XCTAssertFalse(r.accepts(secret: Array("AKIAIOSFODNN7EXAMPLE".utf8)), "AWS documentation key")
        XCTAssertFalse(SecretChecks.awsKeyID(Array("AIDAIOSFODNN7ABCDEFG".utf8)), "a user id, not a key id")
        XCTAssertFalse(SecretChecks.awsKeyID(Array("AKIA0000000000000000".utf8)), "0 and 1 are not base32")
    }

    func testEntropy() {
        XCTAssertEqual(SecretChecks.entropy(Array("aaaaaaaa".utf8)), 0)
        XCTAssertEqual(SecretChecks.entropy(Array("0123456789abcdef".utf8)), 4, accuracy: 1e-9)
        XCTAssertEqual(SecretChecks.entropy([UInt8]()), 0)
    }

    // MARK: user rule files

    let goodFile = """
    # a user rule file
    secret_rules:
      - id: acme-token
        name: ACME internal token
        keywords: [ACME_]
        pattern: '(?<![A-Za-z0-9])(?<secret>acme_[A-Za-z0-9]{32})(?![A-Za-z0-9])'
        min_entropy: 3.5
        stopwords: [example]
        examples:
          match: ['token: acme_abcdefghijklmnopqrstuvwxyz012345']
          no_match: [{ text: 'acme_short' }]
      - id: acme-legacy
        name: ACME legacy key
        keywords: ["k:"]
        slow: true
        multiline: true
        validate: jwt
        pattern: 'k:(?<secret>[0-9]{12})'
    config_rules:
      - id: acme-config
        name: ACME CLI config
        globs: ['**/.acme/config', '.acme/config']
        content: 'token\\s*=\\s*(?<secret>\\S{8,})'
        examples:
          match: [{ path: '.acme/config', text: 'token = abcdefgh12345678' }]
    """

    func testParsesAGoodFile() throws {
        let f = try RuleFile.parse(goodFile, file: "acme.yaml")
        XCTAssertEqual(f.secretRules.map(\.id), ["acme-token", "acme-legacy"])
        let t = f.secretRules[0]
        XCTAssertEqual(t.keywords, ["acme_"], "keywords are lower-cased")
        XCTAssertEqual(t.minEntropy, 3.5)
        XCTAssertEqual(t.stopwords, ["example"])
        XCTAssertEqual(t.examples.match.first?.text, "token: acme_abcdefghijklmnopqrstuvwxyz012345")
        XCTAssertEqual(t.examples.noMatch.first?.text, "acme_short")
        XCTAssertEqual(t.source, "acme.yaml")
        XCTAssertEqual(t.findingRuleID, "secret.acme-token")
        let l = f.secretRules[1]
        XCTAssertTrue(l.slow && l.multiline)
        XCTAssertEqual(l.validate, .jwt)
        XCTAssertEqual(f.configRules.map(\.id), ["acme-config"])
        XCTAssertTrue(f.configRules[0].matches(lowercasedPath: Array("home/u/.acme/config".utf8)))
        XCTAssertEqual(f.line(of: "acme-token"), 3)
        XCTAssertEqual(f.line(of: "acme-config"), 20)
        XCTAssertNoThrow(try RuleFile.checkIDs([f]))
    }

    func assertRejected(_ text: String, line: Int, mentions: String, file: StaticString = #filePath, testLine: UInt = #line) {
        do {
            _ = try RuleFile.parse(text, file: "bad.yaml")
            XCTFail("accepted", file: file, line: testLine)
        } catch let e as RuleFileError {
            XCTAssertEqual(e.file, "bad.yaml", file: file, line: testLine)
            XCTAssertEqual(e.line, line, "\(e)", file: file, line: testLine)
            XCTAssertTrue(e.description.contains("bad.yaml:\(line):"), e.description, file: file, line: testLine)
            XCTAssertTrue(e.description.contains(mentions), e.description, file: file, line: testLine)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: testLine)
        }
    }

    func testRejectsMalformedFilesWithLine() {
        // No `secret` group: reported at the pattern's line.
        assertRejected("""
        secret_rules:
          - id: x
            name: X
            keywords: [xyz]
            pattern: 'xyz[0-9]+'
        """, line: 5, mentions: "rule x: pattern has no named group `secret`")
        // Broken YAML.
        assertRejected("""
        secret_rules:
          - id: x
            name: "unterminated
            keywords: [xyz]
        """, line: 4, mentions: "not valid YAML")
        // A short keyword in a rule that is not slow.
        assertRejected("""
        secret_rules:
          - id: ok
            name: OK
            keywords: [okay]
            pattern: '(?<secret>okay[0-9]{8})'
          - id: short
            name: Short
            keywords: [ab]
            pattern: '(?<secret>ab[0-9]{8})'
        """, line: 8, mentions: "shorter than 3 bytes")
        // Unknown field, duplicate id, unknown validator, non-string keyword.
        assertRejected("""
        secret_rules:
          - id: x
            name: X
            keyword: [xyz]
        """, line: 4, mentions: "unknown field 'keyword'")
        assertRejected("""
        secret_rules:
          - id: x
            name: X
            keywords: [xyz]
            pattern: '(?<secret>xyz)'
          - id: x
            name: X again
            keywords: [xyz]
            pattern: '(?<secret>xyz)'
        """, line: 6, mentions: "duplicate id")
        assertRejected("""
        secret_rules:
          - id: x
            name: X
            keywords: [xyz]
            pattern: '(?<secret>xyz)'
            validate: luhn
        """, line: 6, mentions: "unknown validate 'luhn'")
        assertRejected("""
        secret_rules:
          - id: x
            name: X
            keywords: [{jdbc: x}]
            pattern: '(?<secret>xyz)'
        """, line: 4, mentions: "must be a string")
        assertRejected("""
        config_rules:
          - id: c
            name: C
            globs: ['**/.Env']
        """, line: 4, mentions: "not lower-case")
    }

    func testUserRuleCannotReuseABuiltinID() throws {
        let f = try RuleFile.parse("""
        secret_rules:
          - id: github-pat
            name: mine
            keywords: [mine]
            pattern: '(?<secret>mine)'
        """, file: "mine.yaml")
        XCTAssertThrowsError(try RuleFile.checkIDs([f])) { e in
            XCTAssertEqual((e as? RuleFileError)?.line, 2)
        }
    }
}
