import CGit2
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide libgit2 set-up. Call `initialize()` before any other libgit2 use; opening a
/// repository does it for you.
private let MOAT_CACHE_BYTES = 16 << 20

public enum GitLibrary {
    private static let setUp: Void = {
        #if os(Linux)
        insideLibraryInit = true
        git_libgit2_init()
        insideLibraryInit = false
        #else
        git_libgit2_init()
        #endif
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

#if os(Linux)
/// True only while `git_libgit2_init` runs (inside the `swift_once` of `GitLibrary.setUp`): the
/// two interposers below skip what only a network transport would use.
nonisolated(unsafe) private var insideLibraryInit = false

/// Debian's libgit2 (built with mbedTLS) parses the whole system CA bundle,
/// /etc/ssl/certs/ca-certificates.crt, inside `git_libgit2_init`: 3-4 ms, about 45% of the
/// instructions of a pre-commit hook run, for certificates that only an HTTPS transport would use.
/// moat never talks to a remote, so that one call is answered with an empty chain: this definition
/// in the executable takes precedence over libmbedx509's for libgit2 (ELF symbol interposition).
/// Every other call, including a later `GIT_OPT_SET_SSL_CERT_LOCATIONS`, goes to the real function.
/// With a libgit2 built on OpenSSL the symbol is never called and this does nothing.
@_cdecl("mbedtls_x509_crt_parse_file")
public func moat_mbedtls_x509_crt_parse_file(_ chain: UnsafeMutableRawPointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    if insideLibraryInit { return 0 }
    typealias Parse = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32
    // RTLD_NEXT: the definition after this one in the search order (libmbedx509's).
    guard let next = dlsym(UnsafeMutableRawPointer(bitPattern: -1), "mbedtls_x509_crt_parse_file") else { return -0x2900 }  // MBEDTLS_ERR_X509_FILE_IO_ERROR
    return unsafeBitCast(next, to: Parse.self)(chain, path)
}

/// libgit2's SSH transport calls `libssh2_init(0)` inside `git_libgit2_init`, which initialises
/// OpenSSL (`OPENSSL_init_crypto`, its built-in engines and error strings): ~1 M instructions and
/// the page faults of libcrypto's tables on every run, for a transport moat never uses. That one
/// call succeeds without doing it; libssh2 still initialises itself on first use
/// (`libssh2_session_init_ex` calls `libssh2_init` when it has not run, and `libssh2_exit` does
/// nothing then). Every other call goes to the real function.
@_cdecl("libssh2_init")
public func moat_libssh2_init(_ flags: Int32) -> Int32 {
    if insideLibraryInit { return 0 }
    typealias Initialize = @convention(c) (Int32) -> Int32
    guard let next = dlsym(UnsafeMutableRawPointer(bitPattern: -1), "libssh2_init") else { return -1 }
    return unsafeBitCast(next, to: Initialize.self)(flags)
}
#endif
