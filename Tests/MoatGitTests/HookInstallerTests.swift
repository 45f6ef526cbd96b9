import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

final class HookInstallerTests: XCTestCase {
    private var scratch: Scratch!
    private var repo: String!
    /// A stand-in for the moat binary: logs its arguments and stdin, exits with $FAKE_MOAT_EXIT.
    private var fakeMoat: String!
    private var log: String { scratch.path("log") }

    override func setUpWithError() throws {
        scratch = try Scratch()
        repo = try scratch.initRepository()
        fakeMoat = scratch.path("bin/fake moat's")
        try scratch.write("bin/fake moat's", "#!/bin/sh\necho \"moat $*\" >>'\(log)'\ncat >>'\(log)'\nexit ${FAKE_MOAT_EXIT:-0}\n")
        chmod(fakeMoat, 0o755)
    }

    override func tearDown() { scratch = nil }

    private func installer(_ path: String? = nil) throws -> HookInstaller {
        HookInstaller(repository: try GitRepository.open(at: path ?? repo, fromEnvironment: false), moatExecutable: PathBytes(fakeMoat))
    }

    private func hook(_ name: String = "pre-commit") -> String { repo + "/.git/hooks/" + name }

    private func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Runs a hook script the way git does (from the work tree root) and returns its status and log.
    private func runHook(_ path: String, _ arguments: [String] = [], stdin: String = "", exit: Int32 = 0,
                         pathVariable: String = "/usr/bin:/bin") throws -> (status: Int32, log: String, stderr: String) {
        try? FileManager.default.removeItem(atPath: log)
        let result = try scratch.execute(path, arguments, in: repo, environment: ["FAKE_MOAT_EXIT": "\(exit)", "PATH": pathVariable], stdin: stdin)
        return (result.status, contents(log) ?? "", result.stderr)
    }

    func testTemplatesMatchTheHookFilesByteForByte() throws {
        let hooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("hooks")
        for kind in HookKind.allCases {
            let file = try Data(contentsOf: hooks.appendingPathComponent(kind.fileName))
            XCTAssertEqual(Array(file), Array(kind.template.utf8), "the generated template differs from hooks/\(kind.fileName): moat-hooks-gen lost bytes")
            XCTAssertTrue(HookInstaller.hasMarker(Array(file)))
            XCTAssertTrue(kind.template.contains("\n# moat-hook v1\n"))
        }
    }

    func testInstallWritesAnExecutableHookThatRunsMoat() throws {
        XCTAssertEqual(try installer().install(kind: .preCommit, chain: false, force: false), .installed)
        var info = stat()
        XCTAssertEqual(stat(hook(), &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o755)
        XCTAssertEqual(try installer().status().first, HookStatus(kind: .preCommit, path: PathBytes(hook()), state: .installed(chained: false)))
        let run = try runHook(hook())
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.log, "moat staged\n")
        XCTAssertEqual(try runHook(hook(), exit: 1).status, 1)
        XCTAssertEqual(try installer().install(kind: .preCommit, chain: false, force: false), .updated)
    }

    func testHookWithoutMoatExitsTwo() throws {
        _ = try HookInstaller(repository: GitRepository.open(at: repo, fromEnvironment: false), moatExecutable: PathBytes("/gone/moat"))
            .install(kind: .preCommit, chain: false, force: false)
        let run = try runHook(hook())
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("cannot find moat at /gone/moat or on PATH"), run.stderr)
        // ... and falls back to moat on PATH.
        try FileManager.default.createSymbolicLink(atPath: scratch.path("bin/moat"), withDestinationPath: fakeMoat)
        XCTAssertEqual(try runHook(hook(), pathVariable: scratch.path("bin") + ":/usr/bin:/bin").log, "moat staged\n")
    }

    func testRefusesAForeignHook() throws {
        let foreign = "#!/bin/sh\necho foreign\n"
        try scratch.write("repo/.git/hooks/pre-commit", foreign)
        XCTAssertThrowsError(try installer().install(kind: .preCommit, chain: false, force: false)) { error in
            XCTAssertTrue("\(error)".contains(hook()), "\(error)")
        }
        XCTAssertEqual(contents(hook()), foreign)
        XCTAssertEqual(try installer().status().first?.state, .foreign)
        XCTAssertThrowsError(try installer().uninstall(kind: .preCommit))
        XCTAssertEqual(contents(hook()), foreign)

        XCTAssertEqual(try installer().install(kind: .preCommit, chain: false, force: true), .replaced)
        XCTAssertEqual(try installer().status().first?.state, .installed(chained: false))
    }

    func testChainsAForeignHookAndUninstallRestoresIt() throws {
        let foreign = "#!/bin/sh\necho \"local $*\" >>'\(log)'\ncat >>'\(log)'\nexit ${LOCAL_EXIT:-0}\n"
        for name in ["pre-commit", "pre-push"] {
            try scratch.write("repo/.git/hooks/" + name, foreign)
            chmod(hook(name), 0o755)
        }
        XCTAssertEqual(try installer().install(kind: .preCommit, chain: true, force: false), .chained(previous: PathBytes(hook("pre-commit.local"))))
        XCTAssertEqual(try installer().install(kind: .prePush, chain: true, force: false), .chained(previous: PathBytes(hook("pre-push.local"))))
        XCTAssertEqual(contents(hook("pre-commit.local")), foreign)
        XCTAssertEqual(try installer().status().map(\.state), [.installed(chained: true), .installed(chained: true)])

        XCTAssertEqual(try runHook(hook()).log, "local \nmoat staged\n")
        let refs = "refs/heads/main 1111111111111111111111111111111111111111 refs/heads/main 0000000000000000000000000000000000000000\n"
        let push = try runHook(hook("pre-push"), ["origin", "git@example.com:x.git"], stdin: refs)
        XCTAssertEqual(push.status, 0)
        XCTAssertEqual(push.log, "local origin git@example.com:x.git\n\(refs)moat history --pre-push origin git@example.com:x.git\n\(refs)")
        try FileManager.default.removeItem(atPath: log)
        let failing = try scratch.execute(hook(), [], in: repo, environment: ["LOCAL_EXIT": "3"])
        XCTAssertEqual(failing.status, 3)
        XCTAssertEqual(contents(log), "local \n", "moat does not run after the chained hook failed")

        // Chaining again over our own hook just rewrites it.
        XCTAssertEqual(try installer().install(kind: .preCommit, chain: true, force: false), .updated)

        XCTAssertEqual(try installer().uninstall(kind: .preCommit), .restored(previous: PathBytes(hook("pre-commit.local"))))
        XCTAssertEqual(contents(hook()), foreign)
        XCTAssertFalse(FileManager.default.fileExists(atPath: hook("pre-commit.local")))
        XCTAssertEqual(try installer().status().map(\.state), [.foreign, .installed(chained: true)])
    }

    func testChainRefusesWhenTheLocalHookExists() throws {
        try scratch.write("repo/.git/hooks/pre-commit", "#!/bin/sh\n")
        try scratch.write("repo/.git/hooks/pre-commit.local", "#!/bin/sh\n")
        XCTAssertThrowsError(try installer().install(kind: .preCommit, chain: true, force: false)) { error in
            XCTAssertTrue("\(error)".contains("pre-commit.local already exists"), "\(error)")
        }
    }

    func testUninstall() throws {
        XCTAssertEqual(try installer().uninstall(kind: .preCommit), .notInstalled)
        _ = try installer().install(kind: .preCommit, chain: false, force: false)
        XCTAssertEqual(try installer().uninstall(kind: .preCommit), .removed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: hook()))
    }

    func testHonoursRelativeCoreHooksPath() throws {
        try scratch.git(["config", "core.hooksPath", ".githooks"], in: repo)
        try scratch.write("repo/sub/f", "x")
        let installer = try installer(repo + "/sub")
        XCTAssertEqual(try installer.hooksDirectory(), PathBytes(repo + "/.githooks"))
        XCTAssertEqual(try installer.install(kind: .preCommit, chain: false, force: false), .installed)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: repo + "/.githooks/pre-commit"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: hook()))
    }

    func testHonoursAbsoluteCoreHooksPath() throws {
        try scratch.git(["config", "core.hooksPath", scratch.path("shared/hooks")], in: repo)
        XCTAssertEqual(try installer().hooksDirectory(), PathBytes(scratch.path("shared/hooks")))
    }

    func testLinkedWorktreeInstallsIntoTheCommonDirectory() throws {
        try scratch.write("repo/a", "a")
        try scratch.git(["add", "."], in: repo)
        try scratch.git(["commit", "-qm", "one"], in: repo)
        try scratch.git(["worktree", "add", "-q", "-b", "feature", scratch.path("wt")], in: repo)
        XCTAssertEqual(try installer(scratch.path("wt")).install(kind: .preCommit, chain: false, force: false), .installed)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: hook()))
    }
}
