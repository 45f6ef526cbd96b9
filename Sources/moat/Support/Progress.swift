import MoatScan
import Synchronization

/// A one-line progress meter on stderr for long sweeps: only when stderr is a terminal, redrawn at
/// most every 100 ms by whichever worker gets there first.
final class Progress: ScanProgress {
    private let total: Int
    private let totalBytes: Int
    private let enabled: Bool
    private let done = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)
    private let lastDraw = Atomic<Int>(0)
    /// When the first item finished: the rate is measured from there (reading may start late).
    private let firstAt = Atomic<Int>(0)

    init(total: Int, totalBytes: Int, enabled: Bool) {
        self.total = total
        self.totalBytes = totalBytes
        self.enabled = enabled && Terminal.isTerminal(2)
    }

    /// Records one finished item of `size` bytes and redraws when due.
    func advance(bytes size: Int) {
        let n = done.add(1, ordering: .relaxed).newValue
        // Sizes come from object headers: a crafted one may be absurd, and must not overflow the sums.
        let b = bytes.add(min(max(size, 0), 1 << 48), ordering: .relaxed).newValue
        guard enabled else { return }
        let now = Terminal.milliseconds()
        if firstAt.load(ordering: .relaxed) == 0 { _ = firstAt.compareExchange(expected: 0, desired: now, ordering: .relaxed) }
        let first = firstAt.load(ordering: .relaxed)
        let last = lastDraw.load(ordering: .relaxed)
        // The first line 100 ms after the first item, when the rate means something.
        guard now - first >= 100, now - last >= 100,
              lastDraw.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        let elapsed = max(now - first, 1)
        let rate = Double(b) / Double(elapsed) * 1000
        let remaining = rate > 0 ? min(Double(max(totalBytes - b, 0)) / rate, 1e9) : 0
        Terminal.writeErr("\r\u{1B}[K  \(n)/\(total) blobs · \(FindingMessageBytes.format(b)) of \(FindingMessageBytes.format(totalBytes)) · \(FindingMessageBytes.format(Int(min(rate, 1e15))))/s · ETA \(Int(remaining.rounded()))s")
    }

    /// Clears the meter line.
    func finish() {
        if enabled { Terminal.writeErr("\r\u{1B}[K") }
    }
}

import MoatCore
import MoatGit

/// The progress line of the history walk that comes before the blob sweep (`moat history`).
final class WalkProgress {
    private let enabled: Bool
    private var lastDraw = 0
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled && Terminal.isTerminal(2) }

    func show(_ step: HistorySource.Step) {
        guard enabled else { return }
        let now = Terminal.milliseconds()
        guard now - lastDraw >= 100 else { return }
        lastDraw = now
        drawn = true
        switch step {
        case .decodingTrees(let commits): Terminal.writeErr("\r\u{1B}[K  reading the trees of \(commits) commits")
        case .walking(let done, let total): Terminal.writeErr("\r\u{1B}[K  walking history: \(done)/\(total) commits")
        }
    }

    func finish() {
        if drawn { Terminal.writeErr("\r\u{1B}[K") }
    }
}

/// Sizes as in findings ("12.3 MB").
enum FindingMessageBytes {
    static func format(_ n: Int) -> String { FindingMessage.bytes(n) }
}
