#if canImport(Glibc)
import Glibc
#endif

/// The machine's parallelism.
public enum Cores {
    /// Cores this process may run on: the default number of workers.
    public static var available: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
