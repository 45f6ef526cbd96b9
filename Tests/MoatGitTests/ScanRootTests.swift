import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

/// The folder `moat scan` reports paths from, for each way of naming what to scan.
final class ScanRootTests: XCTestCase {
    func root(_ arguments: [String], from directory: String) -> (root: String, relative: [String], isWorkTree: Bool) {
        var r: ScanRoot?
        withCurrentDirectory(directory) { r = ScanRoot(arguments.map { PathBytes($0) }) }
        return (r!.path.description, r!.relative.map(\.description), r!.isWorkTree)
    }

    func testInsideAWorkTreeTheRootIsTheWorkTreeWhateverTheSpelling() throws {
        let scratch = try Scratch()
        let repo = try scratch.initRepository()
        try scratch.write("repo/sub/dir/w.bin", "x")
        try FileManager.default.createSymbolicLink(atPath: scratch.path("link"), withDestinationPath: repo)
        XCTAssertEqual(root(["."], from: repo).root, repo)
        XCTAssertEqual(root(["."], from: repo).relative, [""])
        XCTAssertTrue(root(["."], from: repo).isWorkTree)
        XCTAssertEqual(root(["."], from: repo + "/sub/dir").relative, ["sub/dir"])
        XCTAssertEqual(root(["../dir/./w.bin", ".."], from: repo + "/sub/dir").relative, ["sub/dir/w.bin", "sub"])
        XCTAssertEqual(root([scratch.path("link") + "/sub/"], from: "/").root, repo, "symlinked folders are resolved")
        XCTAssertEqual(root([scratch.path("link") + "/sub/"], from: "/").relative, ["sub"])
    }

    func testOutsideAWorkTreeTheRootIsTheDeepestFolderHoldingEveryArgument() throws {
        let scratch = try Scratch()
        try scratch.write("plain/a/x.bin", "x")
        try scratch.write("plain/b/y.bin", "y")
        let plain = scratch.path("plain")
        XCTAssertEqual(root(["a"], from: plain).root, plain + "/a")
        XCTAssertEqual(root(["a"], from: plain).relative, [""])
        XCTAssertFalse(root(["a"], from: plain).isWorkTree)
        XCTAssertEqual(root(["a/x.bin"], from: plain).root, plain + "/a")
        XCTAssertEqual(root(["a/x.bin"], from: plain).relative, ["x.bin"])
        XCTAssertEqual(root(["a/x.bin", "b"], from: plain).root, plain)
        XCTAssertEqual(root(["a/x.bin", "b"], from: plain).relative, ["a/x.bin", "b"])
        // In a repository and outside it: no work tree holds both.
        let repo = try scratch.initRepository()
        XCTAssertEqual(root([repo, plain], from: "/").root, scratch.root)
    }
}
