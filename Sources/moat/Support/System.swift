#if canImport(Glibc)
import Glibc
#endif
import Synchronization

enum System {
    /// Cores this process may run on.
    static var activeCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// A shared counter that hands out work indices to workers.
final class AtomicCounter: Sendable {
    private let value = Atomic<Int>(0)
    /// Returns the current value and adds one.
    func increment() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// A plain mutex (Foundation-free).
final class NSLockLite: @unchecked Sendable {
    private let m = Mutex<Void>(())
    func withLock<T>(_ body: () -> T) -> T { m.withLock { _ in body() } }
}
