import Foundation
import MoatMatch

/// A realistic rule set in the shape of the real rule files: provider tokens with lookaround
/// boundaries, a multi-line PEM rule, a keyword-heavy generic rule, a rule vectorscan cannot take
/// (backreference: keywords stand in), one with an atomic group (relaxed for vectorscan) and a slow one.
enum TestRules {
    static let specs: [PatternSpec] = [
        PatternSpec(id: "huggingface", pattern: #"(?<![A-Za-z0-9_])(?<secret>hf_[A-Za-z0-9]{34,38})(?![A-Za-z0-9_])"#, keywords: ["hf_"]),
        PatternSpec(id: "aws-access-key-id", pattern: #"(?<![A-Za-z0-9])(?<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])"#, keywords: ["akia", "asia", "abia", "acca"]),
        PatternSpec(id: "github-pat", pattern: #"(?<secret>ghp_[A-Za-z0-9]{36})(?![A-Za-z0-9])"#, keywords: ["ghp_"]),
        PatternSpec(id: "github-fine-grained", pattern: #"(?<secret>github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])"#, keywords: ["github_pat_"]),
        PatternSpec(id: "slack-token", pattern: #"(?<secret>xox[baprs]-[0-9A-Za-z-]{10,72})"#, keywords: ["xoxb", "xoxa", "xoxp", "xoxr", "xoxs"]),
        PatternSpec(id: "slack-webhook", pattern: #"https://hooks\.slack\.com/services/(?<secret>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})"#, keywords: ["hooks.slack.com"]),
        PatternSpec(id: "private-key", pattern: #"(?<secret>-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)"#, keywords: ["-----begin"], multiline: true),
        PatternSpec(id: "openai", pattern: #"(?<![A-Za-z0-9_-])(?<secret>sk-(?:proj-|admin-|svcacct-)?[A-Za-z0-9_-]{20,80}T3BlbkFJ[A-Za-z0-9_-]{20,80})(?![A-Za-z0-9_-])"#, keywords: ["t3blbkfj"]),
        PatternSpec(id: "anthropic", pattern: #"(?<secret>sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA)(?![A-Za-z0-9_-])"#, keywords: ["sk-ant-"]),
        PatternSpec(id: "stripe", pattern: #"(?<![A-Za-z0-9])(?<secret>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,99})(?![A-Za-z0-9])"#, keywords: ["sk_live", "sk_test", "rk_live", "rk_test"]),
        PatternSpec(id: "jwt", pattern: #"(?<![A-Za-z0-9_-])(?<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"#, keywords: ["eyj"]),
        PatternSpec(id: "generic-api-key", pattern: #"(?i)[\w.-]{0,50}?(?:key|token|secret|passw(?:or)?d)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(?<secret>[\w.=-]{10,150})(?:[\x60'"\s;]|\\[nr]|$)"#, keywords: ["key", "token", "secret", "passwd", "password"]),
        PatternSpec(id: "gcp-api-key", pattern: #"(?<![A-Za-z0-9_-])(?<secret>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])"#, keywords: ["aiza"]),
        PatternSpec(id: "sendgrid", pattern: #"(?<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])"#, keywords: ["sg."]),
        PatternSpec(id: "database-url", pattern: #"(?i)(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqp)://[^\s:/@'"]+:(?<secret>[^\s:/@'"]{3,})@[^\s/'"]+"#, keywords: ["postgres", "mysql", "mongodb", "redis", "amqp"]),
        PatternSpec(id: "telegram-bot", pattern: #"(?<![0-9])(?<secret>[0-9]{8,10}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])"#, keywords: [":aa"]),
        PatternSpec(id: "npm", pattern: #"(?<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])"#, keywords: ["npm_"]),
        PatternSpec(id: "gitlab-pat", pattern: #"(?>glpat-)(?<secret>[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])"#, keywords: ["glpat-"]),
        PatternSpec(id: "wandb-quoted", pattern: #"wandb_api_key\s*=\s*(['"])(?<secret>[a-f0-9]{40})\1"#, keywords: ["wandb_api_key"]),
        PatternSpec(id: "neptune-recursive", pattern: #"neptune_token=(?<secret>[A-Za-z0-9]{20})(?:\((?R)\))?"#, keywords: ["neptune_token"]),
        PatternSpec(id: "vault-token", pattern: #"(?<![A-Za-z0-9.])(?<secret>hvs\.[A-Za-z0-9_-]{24,})(?![A-Za-z0-9_-])"#, keywords: [], slow: true),
    ]

    static func index(_ id: String) -> Int { specs.firstIndex { $0.id == id }! }

    /// Fake tokens of every rule, by rule id.
    static func plants(_ rng: inout SplitMix) -> [(String, String)] {
        func chars(_ n: Int, _ alphabet: String = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") -> String {
            let a = Array(alphabet)
            return String((0..<n).map { _ in a[Int(rng.next() % UInt64(a.count))] })
        }
        let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        var pem = "-----BEGIN RSA PRIVATE KEY-----\n"
        for _ in 0..<25 { pem += chars(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") + "\n" }
        pem += "-----END RSA PRIVATE KEY-----"
        return [
            ("huggingface", "HF_TOKEN=hf_" + chars(34)),
            ("aws-access-key-id", "aws_access_key_id = AKIA" + chars(16, upper)),
            ("github-pat", "token: ghp_" + chars(36)),
            ("github-fine-grained", "github_pat_" + chars(82)),
            ("slack-token", "xoxb-" + chars(12, "0123456789") + "-" + chars(24)),
            ("slack-webhook", "https://hooks.slack.com/services/T" + chars(9, upper) + "/B" + chars(9, upper) + "/" + chars(24)),
            ("private-key", pem),
            ("openai", "OPENAI_API_KEY=sk-proj-" + chars(40) + "T3BlbkFJ" + chars(40)),
            ("anthropic", "sk-ant-api03-" + chars(93) + "AA"),
            ("stripe", "stripe.api_key = 'sk_live_" + chars(24) + "'"),
            ("jwt", "Authorization: Bearer eyJ" + chars(20) + ".eyJ" + chars(30) + "." + chars(43)),
            ("gcp-api-key", "AIza" + chars(35)),
            ("sendgrid", "SG." + chars(22) + "." + chars(43)),
            ("database-url", "DATABASE_URL=postgres://admin:" + chars(16) + "@db.example.com:5432/app"),
            ("telegram-bot", "bot" + chars(9, "0123456789") + ":AA" + chars(33)),
            ("npm", "//registry.npmjs.org/:_authToken=npm_" + chars(36)),
            ("gitlab-pat", "glpat-" + chars(20)),
            ("wandb-quoted", "wandb_api_key = \"" + chars(40, "0123456789abcdef") + "\""),
            ("neptune-recursive", "neptune_token=" + chars(20)),
            ("vault-token", "VAULT_TOKEN=hvs." + chars(30)),
        ]
    }
}

/// A small deterministic generator for test data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Corpus {
    /// Real source text: the Swift files of the swift-nio mirror (nil when the mirror is missing).
    static let nio: [UInt8]? = {
        let repo = "/opt/swift-packages/apple/swift-nio.git"
        guard FileManager.default.fileExists(atPath: repo) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "git -C \(repo) ls-tree -r --name-only HEAD | grep '\\.swift$' | head -250 | while read f; do git -C \(repo) show \"HEAD:$f\"; done"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data.isEmpty ? nil : [UInt8](data)
    }()

    /// `text` with every rule's fake token planted `rounds` times at random line starts.
    static func planted(_ text: [UInt8], rounds: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        var lineStarts = [0]
        for (i, b) in text.enumerated() where b == UInt8(ascii: "\n") { lineStarts.append(i + 1) }
        var inserts: [(Int, [UInt8])] = []
        for _ in 0..<rounds {
            for (_, token) in TestRules.plants(&rng) {
                let at = lineStarts[Int(rng.next() % UInt64(lineStarts.count))]
                inserts.append((at, Array(("    let x = \"" + token + "\"\n").utf8)))
            }
        }
        inserts.sort { $0.0 < $1.0 }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + inserts.reduce(0) { $0 + $1.1.count })
        var last = 0
        for (at, bytes) in inserts {
            out += text[last..<at]
            out += bytes
            last = at
        }
        out += text[last...]
        return out
    }
}
