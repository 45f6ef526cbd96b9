import CGit2
import MoatBytes

/// Refuses, before libgit2's pack backend sees them, the objects of packs whose index holds an
/// offset outside the pack (`PackFile.indexIsValid`): libgit2 1.5 trusts those offsets and
/// crashes (SIGSEGV in `git_odb_read_header`). Every object such an index lists is answered with
/// an error, so it counts as unreadable (a missing blob or tree in a history sweep) and nothing
/// crashes. When an index next to a pack is not a valid index at all (`PackStore.unreadableIndexes`),
/// libgit2 may read outside it on any lookup, and which objects it lists is unknown: every read
/// is refused.
///
/// It also refuses objects whose delta chain loops (`PackStore.deltaChainLoops`): libgit2 1.5
/// never returns from reading one. Installed above every other backend whenever the repository
/// has packs (a lookup and a short chain walk per object libgit2 reads). Abbreviated ids
/// (`git_odb_read_prefix`) are not fenced.
enum DamagedPackGuard {
    /// The indexes of the damaged packs, owned by the backend.
    private final class Fence {
        let packs: [PackFile]
        let unreadableIndexes: [PathBytes]
        /// The repository's packs, to refuse objects whose delta chain loops.
        let store: PackStore?
        init(_ packs: [PackFile], _ unreadableIndexes: [PathBytes], _ store: PackStore?) {
            self.packs = packs
            self.unreadableIndexes = unreadableIndexes
            self.store = store
        }

        /// The damaged pack that lists `id`, if any.
        func pack(listing id: UnsafePointer<git_oid>) -> PackFile? {
            let key = ObjectID(id.pointee)
            return packs.first { $0.index.position(of: key) != nil }
        }
    }

    /// Adds the fence for `packs` to `odb`, asked before the packs and loose objects.
    @discardableResult
    static func install(on odb: OpaquePointer, packs: [PackFile], unreadableIndexes: [PathBytes] = [], store: PackStore? = nil) -> Bool {
        // Priority 3: above the packs and the loose backends (2), so it is asked first.
        addOdbBackend(moat_owned_backend(), to: odb, priority: 3) { backend in
            backend.pointee.owner = Unmanaged.passRetained(Fence(packs, unreadableIndexes, store)).toOpaque()
            backend.pointee.parent.read = guardRead
            backend.pointee.parent.read_header = guardReadHeader
            backend.pointee.parent.free = guardFree
        }
    }

    /// `GIT_ENOTFOUND` (ask the next backend) for an object no damaged pack lists; an error naming
    /// the pack otherwise.
    fileprivate static func answer(_ backend: UnsafeMutablePointer<git_odb_backend>?, _ id: UnsafePointer<git_oid>?) -> Int32 {
        guard let backend, let id else { return GIT_ERROR.rawValue }
        let own = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: moat_owned_backend.self)
        let fence = Unmanaged<Fence>.fromOpaque(own.pointee.owner).takeUnretainedValue()
        if let index = fence.unreadableIndexes.first {
            git_error_set_str(Int32(GIT_ERROR_ODB.rawValue),
                              "object \(ObjectID(id.pointee)) is not read: the pack index \(index) is corrupt, and libgit2 reads outside such an index")
            return GIT_ERROR.rawValue
        }
        guard let pack = fence.pack(listing: id) else {
            if let store = fence.store, store.deltaChainLoops(ObjectID(id.pointee)) {
                git_error_set_str(Int32(GIT_ERROR_ODB.rawValue), "object \(ObjectID(id.pointee)) is a delta whose chain of bases loops back on itself")
                return GIT_ERROR.rawValue
            }
            return GIT_ENOTFOUND.rawValue
        }
        git_error_set_str(Int32(GIT_ERROR_ODB.rawValue),
                          "object \(ObjectID(id.pointee)) is in \(pack.path), whose index points outside the pack")
        return GIT_ERROR.rawValue
    }
}

private let guardRead: @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<Int>?,
                                       UnsafeMutablePointer<git_object_t>?, UnsafeMutablePointer<git_odb_backend>?,
                                       UnsafePointer<git_oid>?) -> Int32 = { _, _, _, backend, id in
    DamagedPackGuard.answer(backend, id)
}

private let guardReadHeader: @convention(c) (UnsafeMutablePointer<Int>?, UnsafeMutablePointer<git_object_t>?,
                                             UnsafeMutablePointer<git_odb_backend>?, UnsafePointer<git_oid>?) -> Int32 = { _, _, backend, id in
    DamagedPackGuard.answer(backend, id)
}

private let guardFree: @convention(c) (UnsafeMutablePointer<git_odb_backend>?) -> Void = { backend in
    guard let backend else { return }
    let own = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: moat_owned_backend.self)
    if let owner = own.pointee.owner { Unmanaged<AnyObject>.fromOpaque(owner).release() }
    own.deinitialize(count: 1)
    own.deallocate()
}
