import Foundation
import XCTest
import Yams

/// The README (and docs/ci.md) must work as written: every `sh` block runs in a throwaway
/// repository with the built moat on PATH, every `yaml` block parses and names inputs and files
/// that exist, and every `moat ...` command quoted in the text names a real subcommand and real
/// flags (checked against `moat <subcommand> --help`).
final class ReadmeSnippetTests: XCTestCase {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let documents = ["README.md", "docs/ci.md"]

    struct Block {
        var document: String
        var language: String
        var text: String
        var line: Int
    }

    /// The fenced code blocks of a Markdown file.
    static func blocks(_ document: String) throws -> [Block] {
        let text = try String(contentsOf: project.appendingPathComponent(document), encoding: .utf8)
        var blocks: [Block] = []
        var current: Block?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                if let block = current {
                    blocks.append(block)
                    current = nil
                } else {
                    current = Block(document: document, language: String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), text: "", line: number + 1)
                }
            } else if current != nil {
                current!.text += line + "\n"
            }
        }
        return blocks
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.moat.path), "moat binary not built")
    }

    func testShellBlocksRunAsWritten() throws {
        let shell = try Self.documents.flatMap(Self.blocks).filter { $0.language == "sh" }
        XCTAssertGreaterThanOrEqual(shell.count, 3, "the README's runnable examples went missing")
        let path = CLI.productsDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for block in shell {
            let repo = try CLI.makeRepository()
            let home = repo.appendingPathComponent("../moat-home-\(UUID().uuidString)").standardized
            defer {
                try? FileManager.default.removeItem(at: repo)
                try? FileManager.default.removeItem(at: home)
            }
            try CLI.write("# project\n", to: "README.md", in: repo)
            try CLI.git(["add", "."], in: repo)
            try CLI.git(["commit", "-q", "-m", "init"], in: repo)
            try CLI.write("print('train')\n", to: "train.py", in: repo)
            try CLI.git(["add", "."], in: repo)
            try CLI.git(["commit", "-q", "-m", "train"], in: repo)
            let r = try CLI.run(URL(fileURLWithPath: "/bin/bash"), ["-euo", "pipefail", "-c", block.text], in: repo,
                                environment: ["PATH": path, "HOME": home.path])
            XCTAssertEqual(r.status, 0, "\(block.document):\(block.line) failed:\n\(block.text)\n\(r.stdout)\n\(r.stderr)")
        }
    }

    func testYamlBlocksParseAndNameWhatExists() throws {
        let yaml = try Self.documents.flatMap(Self.blocks).filter { $0.language == "yaml" }
        XCTAssertGreaterThanOrEqual(yaml.count, 3)
        let action = try XCTUnwrap(try Yams.load(yaml: String(contentsOf: Self.project.appendingPathComponent("action.yml"), encoding: .utf8)) as? [String: Any])
        let inputs = Set((action["inputs"] as? [String: Any] ?? [:]).keys)
        let hookIDs = try String(contentsOf: Self.project.appendingPathComponent(".pre-commit-hooks.yaml"), encoding: .utf8)
        var seen: Set<String> = []
        for block in yaml {
            let place = "\(block.document):\(block.line)"
            let node: Any?
            do { node = try Yams.load(yaml: block.text) } catch { XCTFail("\(place): invalid YAML: \(error)"); continue }
            let text = block.text
            // The action: every `with:` key is an input of action.yml.
            if text.contains("/moat@") {
                seen.insert("action")
                let steps = ((node as? [String: Any])?["jobs"] as? [String: [String: Any]])?.values.flatMap { $0["steps"] as? [[String: Any]] ?? [] } ?? []
                let moat = try XCTUnwrap(steps.first { ($0["uses"] as? String)?.contains("/moat@") == true }, place)
                let with = Set((moat["with"] as? [String: Any] ?? [:]).keys)
                XCTAssertEqual(with.subtracting(inputs), [], "\(place): not inputs of action.yml")
            }
            // The GitLab include: the file exists here.
            if let include = (node as? [String: Any])?["include"] as? [[String: Any]] {
                seen.insert("gitlab")
                for entry in include {
                    let file = try XCTUnwrap(entry["file"] as? String, place)
                    XCTAssertTrue(FileManager.default.fileExists(atPath: Self.project.appendingPathComponent(String(file.drop { $0 == "/" })).path), "\(place): \(file)")
                }
            }
            // pre-commit: the hook ids exist in .pre-commit-hooks.yaml.
            if let repos = (node as? [String: Any])?["repos"] as? [[String: Any]] {
                seen.insert("pre-commit")
                for hook in repos.flatMap({ $0["hooks"] as? [[String: Any]] ?? [] }) {
                    let id = try XCTUnwrap(hook["id"] as? String, place)
                    XCTAssertTrue(hookIDs.contains("- id: \(id)\n"), "\(place): no hook '\(id)' in .pre-commit-hooks.yaml")
                }
            }
        }
        XCTAssertEqual(seen, ["action", "gitlab", "pre-commit"], "the README must show the three integrations")
    }

    /// `moat ...` in inline code (`moat hook install --pre-push`) and in `sh` blocks, with its flags.
    static func quotedCommands() throws -> [(place: String, words: [String])] {
        var out: [(String, [String])] = []
        for document in documents {
            let text = try String(contentsOf: project.appendingPathComponent(document), encoding: .utf8)
            var block: String?  // the language of the block we are in
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.hasPrefix("```") { block = block == nil ? String(line.dropFirst(3)) : nil; continue }
                let place = "\(document):\(number + 1)"
                if let language = block {
                    guard language == "sh" else { continue }
                    let code = line.split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
                    if let start = code.range(of: "moat ")?.lowerBound, start == code.startIndex || code[code.index(before: start)] == " " {
                        out.append((place, code[start...].split(separator: " ").map(String.init)))
                    }
                    continue
                }
                for (i, span) in line.split(separator: "`", omittingEmptySubsequences: false).enumerated() where i % 2 == 1 && span.hasPrefix("moat ") {
                    out.append((place, span.split(separator: " ").map(String.init)))
                }
            }
        }
        return out
    }

    func testEveryQuotedCommandAndFlagExists() throws {
        let commands = try Self.quotedCommands()
        XCTAssertGreaterThan(commands.count, 20)
        var helps: [String: String] = [:]
        func help(_ path: [String]) throws -> String? {
            let key = path.joined(separator: " ")
            if let cached = helps[key] { return cached }
            let r = try CLI.moat(path + ["--help"], in: FileManager.default.temporaryDirectory)
            // An unknown subcommand prints the parent's help: the usage line says which it was.
            let text = r.status == 0 && r.stdout.contains("USAGE: moat \(key)".trimmingCharacters(in: .whitespaces) + " ") ? r.stdout : nil
            helps[key] = text ?? ""
            return text
        }
        for (place, words) in commands {
            let args = Array(words.dropFirst())
            // The subcommand: the longest run of plain words with a help page of its own.
            var path: [String] = []
            let plain = args.prefix { $0.range(of: "^[a-z][a-z-]*$", options: .regularExpression) != nil }
            for n in stride(from: plain.count, through: 1, by: -1) where try help(Array(plain.prefix(n))) != nil {
                path = Array(plain.prefix(n))
                break
            }
            XCTAssertTrue(!path.isEmpty || plain.isEmpty, "\(place): `\(words.joined(separator: " "))` names no moat subcommand")
            guard let page = try help(path) else { continue }
            for word in args where word.hasPrefix("--") {
                let flag = String(word.prefix { $0 != "=" && $0 != "," && $0 != ")" && $0 != "`" && $0 != "]" })
                XCTAssertTrue(page.contains(flag + " ") || page.contains(flag + "\n") || page.contains(flag + ","), "\(place): `moat \(path.joined(separator: " "))` has no \(flag)")
            }
        }
    }
}
