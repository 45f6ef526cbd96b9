import CGit2

/// Process-wide libgit2 set-up. Call `initialize()` before any other libgit2 use; opening a
/// repository does it for you.
private let MOAT_CACHE_BYTES = 16 << 20

public enum GitLibrary {
    private static let setUp: Void = {
        git_libgit2_init()
        // git itself does not re-hash objects on read; doing so made blob reads 2.35x slower.
        _ = cgit2_set_strict_hash_verification(0)
        // No limit on open pack files by default; repositories with thousands of packs exhaust fds.
        _ = cgit2_set_mwindow_file_limit(128)
        // The object cache (256 MB per repository by default) keeps trees and commits a sweep
        // reads exactly once; one repository per worker multiplied it. Bound it.
        _ = cgit2_set_cache_max_size(MOAT_CACHE_BYTES)
    }()

    /// Initialises libgit2 once per process (thread-safe, idempotent).
    public static func initialize() { _ = setUp }

    /// Re-hash every object read and fail on a mismatch (`--verify-objects`): about 2x slower reads.
    public static func setStrictHashVerification(_ on: Bool) {
        initialize()
        _ = cgit2_set_strict_hash_verification(on ? 1 : 0)
    }
}
