@testable import MoatCore
import XCTest

final class GlobTests: XCTestCase {
    private func assertGlob(_ pattern: String, matches yes: [String], not no: [String], file: StaticString = #filePath, line: UInt = #line) {
        let glob = Glob(pattern)
        for path in yes { XCTAssertTrue(glob.matches(Array(path.utf8)), "\(pattern) should match \(path)", file: file, line: line) }
        for path in no { XCTAssertFalse(glob.matches(Array(path.utf8)), "\(pattern) should not match \(path)", file: file, line: line) }
    }

    func testDoubleStarSlashMatchesZeroOrMoreFolders() {
        assertGlob("**/.env", matches: [".env", "a/.env", "a/b/c/.env"], not: ["a/.envx", "a.env", "x.env", ".env/a", "a/b.env"])
        assertGlob("**/.env.*", matches: [".env.local", "svc/.env.production"], not: [".env", "svc/.env", "svc/x.env.local"])
        assertGlob("**/.kube/config", matches: [".kube/config", "home/u/.kube/config"], not: ["home/u/kube/config", ".kube/config.bak"])
    }

    func testStarStaysWithinOneFolder() {
        assertGlob("*.kubeconfig", matches: ["prod.kubeconfig", ".kubeconfig"], not: ["a/prod.kubeconfig", "prod.kubeconfig.bak"])
        assertGlob("kubeconfig-*", matches: ["kubeconfig-prod", "kubeconfig-"], not: ["a/kubeconfig-prod", "kubeconfig-a/b", "xkubeconfig-prod"])
        assertGlob("a?c", matches: ["abc", "a-c"], not: ["a/c", "ac", "abbc"])
    }

    func testClassesAndTrailingDoubleStar() {
        assertGlob("**/checkpoint-[0-9]*/**", matches: ["checkpoint-500/model.bin", "runs/x/checkpoint-1/a/b.pt", "checkpoint-5x/optimizer.pt"],
                   not: ["checkpoint-x/model.bin", "runs/checkpoint-/a", "checkpoint-500", "runs/my-checkpoint-500/a"])
        assertGlob("**/iter_[0-9][0-9][0-9]/**", matches: ["out/iter_001/w.pt"], not: ["out/iter_01/w.pt", "out/iter_0a1/w.pt"])
        assertGlob("**/*.ckpt", matches: ["a.ckpt", "x/y/last.ckpt"], not: ["a.ckpt.json", "ckpt"])
    }

    func testLiteralPatternsMatchOnlyThemselves() {
        assertGlob("kubeconfig", matches: ["kubeconfig"], not: ["a/kubeconfig", "kubeconfigs", "xkubeconfig", ""])
        assertGlob("", matches: [""], not: ["a"])
        assertGlob("**", matches: ["", "a", "a/b"], not: [])
    }
}
