import CGit2
import MoatBytes
@testable import MoatGit
import XCTest

final class TreeStoreTests: XCTestCase {
    func testEveryPackedTreeIsHeldWithTheBytesLibgit2Reads() throws {
        let scratch = try Scratch()
        let repo = try PackObjectDecoderTests.evolvingRepository(scratch, commits: 60)
        let packs = PackLayout.all(in: [PathBytes(repo + "/.git/objects")])
        let trees = packs[0].types.filter { $0 == PackEntryKind.tree.rawValue }.count
        let store = TreeStore.load(packs: packs, workers: 2, budget: 1 << 30)
        XCTAssertEqual(store.count, trees)
        XCTAssertEqual(store.skipped, 0)
        let repository = try GitRepository.open(at: repo, fromEnvironment: false)
        for k in 0..<packs[0].count where packs[0].types[k] == PackEntryKind.tree.rawValue {
            let id = ObjectID(UnsafeRawBufferPointer(start: packs[0].id(k), count: 20))
            let held = try XCTUnwrap(store.tree(packs[0].id(k)))
            XCTAssertEqual(Array(held), try libgit2Bytes(repository, id))
        }
    }

    func testABudgetStopsTheStoreAndTheRestIsLeftOut() throws {
        let scratch = try Scratch()
        let repo = try PackObjectDecoderTests.evolvingRepository(scratch, commits: 60)
        let packs = PackLayout.all(in: [PathBytes(repo + "/.git/objects")])
        let trees = packs[0].types.filter { $0 == PackEntryKind.tree.rawValue }.count
        let store = TreeStore.load(packs: packs, workers: 1, budget: 2000)
        XCTAssertGreaterThan(store.count, 0)
        XCTAssertLessThan(store.count, trees)
        XCTAssertEqual(store.count + store.skipped, trees)
        XCTAssertLessThan(store.bytes, 2000 + 10_000, "at most one tree past the budget")
    }

    /// A tree's raw bytes as libgit2 reads them.
    private func libgit2Bytes(_ repository: GitRepository, _ id: ObjectID) throws -> [UInt8] {
        let odb = try repository.odb()
        var object: OpaquePointer?
        var oid = id.oid
        XCTAssertEqual(git_odb_read(&object, odb, &oid), 0)
        defer { git_odb_object_free(object) }
        return Array(UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
    }
}
