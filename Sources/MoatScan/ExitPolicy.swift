import MoatCore

/// How a finished scan maps to moat's exit status: 0 nothing failing, 1 findings at or above the
/// policy's `fail-on` (by default: blocking ones),
/// 2 the scan is incomplete (objects that could not be read) unless that was allowed.
public struct ExitPolicy: Sendable {
    /// Accept a scan that could not read some objects (`--allow-missing`).
    public var allowMissing: Bool

    public init(allowMissing: Bool = false) { self.allowMissing = allowMissing }

    public enum Decision: Equatable, Sendable {
        case pass
        case blocked
        /// Not everything was read: the reason, for one error line.
        case incomplete(String)

        public var status: Int32 {
            switch self {
            case .pass: return 0
            case .blocked: return 1
            case .incomplete: return 2
            }
        }
    }

    public func decide(_ result: ScanResult) -> Decision {
        if result.fails { return .blocked }
        if result.missingObjects > 0 && !allowMissing {
            let n = result.missingObjects
            let what = result.mode == .history ? "part of the history was not scanned" : "part of the change was not scanned"
            return .incomplete("\(n) \(n == 1 ? "object" : "objects") could not be read, so \(what); --allow-missing accepts that")
        }
        return .pass
    }
}
