import CGit2

/// Adds a backend of moat's to `odb`: a C struct of type `Backend` that starts with its
/// `git_odb_backend`, filled in by `configure` (callbacks and state; `free` must release both).
/// `foreach` answers nothing: libgit2 calls it on every backend without checking it, and listing
/// is left to its own backends. On failure the backend is freed through its `free`.
@discardableResult
func addOdbBackend<Backend>(_ initial: Backend, to odb: OpaquePointer, priority: Int32,
                            configure: (UnsafeMutablePointer<Backend>) -> Void) -> Bool {
    let backend = UnsafeMutablePointer<Backend>.allocate(capacity: 1)
    backend.initialize(to: initial)
    let parent = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: git_odb_backend.self)
    guard cgit2_init_backend(parent) == 0 else {
        backend.deinitialize(count: 1)
        backend.deallocate()
        return false
    }
    configure(backend)
    parent.pointee.foreach = { _, _, _ in 0 }
    let rc = git_odb_add_backend(odb, parent, priority)
    if rc != 0 { parent.pointee.free?(parent) }
    return rc == 0
}
