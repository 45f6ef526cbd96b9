import Dispatch
import MoatBytes
import Synchronization

extension HistorySource {
    /// Hands every blob of `blobs` to `body` on `workers` threads, each blob once, as a bounded
    /// source: `body(i, source)` for `blobs[i]`, or `body(i, nil, error)` when it cannot be read.
    ///
    /// Blobs up to `wholeReadLimit` that sit in a pack are decoded in pack order by moat's own
    /// decoder (`PackObjectDecoder`): workers take contiguous runs of the pack, so a delta's base
    /// is usually still in the decoder's cache. Reading the same blobs one by one through libgit2
    /// in walk order resolved each delta chain again. Everything else (big blobs, loose objects,
    /// entries the decoder refuses) goes through one `GitRepository` per worker and
    /// `GitRepository.blobSource`, which never inflates a big blob whole.
    ///
    /// Calls for different blobs run concurrently; the order of calls is not the order of `blobs`.
    public func readBlobs(gitDir: PathBytes, workers: Int, wholeReadLimit: Int,
                          body: @Sendable (Int, ByteSource?, GitError?) -> Void) throws(GitError) {
        try readBlobs(gitDir: gitDir, workers: workers, policy: BlobReadPolicy(wholeReadLimit: wholeReadLimit), body: body)
    }

    /// `readBlobs(gitDir:workers:wholeReadLimit:body:)` with a whole read policy (`.history`
    /// normally). Streamed sources report damage found while reading in `readFailure`: a body
    /// that read one checks it afterwards and counts the blob as unreadable.
    public func readBlobs(gitDir: PathBytes, workers: Int, policy: BlobReadPolicy,
                          body: @Sendable (Int, ByteSource?, GitError?) -> Void) throws(GitError) {
        let wholeReadLimit = policy.wholeReadLimit
        // Work items: packed small blobs in pack order, then the rest in walk order.
        var packed: [(pack: Int32, entry: Int32, blob: Int32)] = []
        var others: [Int32] = []
        let packs = self.packs
        for (i, blob) in blobs.enumerated() {
            if blob.size <= wholeReadLimit, let at = packLocations[i] {
                packed.append((at.pack, at.entry, Int32(i)))
            } else {
                others.append(Int32(i))
            }
        }
        packed.sort { ($0.pack, $0.entry) < ($1.pack, $1.entry) }

        // Contiguous runs of the pack, a few per worker so a slow run does not hold the others.
        let n = max(1, workers)
        let runLength = max(64, (packed.count + 4 * n - 1) / (4 * n))
        let runs = (packed.count + runLength - 1) / runLength
        let nextRun = Atomic<Int>(0)
        let nextOther = Atomic<Int>(0)
        let failure = Mutex<GitError?>(nil)
        let frozenPacked = packed, frozenOthers = others, blobs = self.blobs
        // Pushed objects in a pre-receive quarantine, for one, live outside the git directory.
        let extraDirectories = repository.extraObjectDirectories
        // Bases decoded recently, per worker: 128 MiB in all (64 MiB each on two cores cut the
        // re-decoding of delta chains by a sixth against 16 MiB; more gained little).
        let cacheLimit = max(16 << 20, (128 << 20) / n)
        // Decoding work per worker before falling back: 8x its share of the blobs' bytes, plus 1 GiB.
        // Real packs need under 2x (deltas decode their instructions and their result).
        let wantedBytes = packed.reduce(0) { $0 &+ min(blobs[Int($1.blob)].size, wholeReadLimit) }
        let workBudget = 8 * (wantedBytes / n) + (1 << 30)
        DispatchQueue.concurrentPerform(iterations: n) { _ in
            var repository: GitRepository?
            func repo() -> GitRepository? {
                if repository == nil {
                    do { repository = try GitRepository.open(at: gitDir, fromEnvironment: false, objectDirectories: extraDirectories) } catch {
                        failure.withLock { if $0 == nil { $0 = error } }
                    }
                }
                return repository
            }
            func viaLibgit2(_ i: Int) {
                guard let repo = repo() else { return }
                let blob = blobs[i]
                do {
                    body(i, try repo.blobSource(blob.id, size: blob.size, policy: policy), nil)
                } catch {
                    body(i, nil, error)
                }
            }
            // One decoder at a time: runs are taken in (pack, offset) order, so a worker never goes
            // back to a pack it left.
            var decoder: PackObjectDecoder?
            var decoded = 0
            while true {
                let r = nextRun.add(1, ordering: .relaxed).oldValue
                guard r < runs else { break }
                for item in frozenPacked[(r * runLength)..<min(frozenPacked.count, (r + 1) * runLength)] {
                    if decoder?.pack !== packs[Int(item.pack)] {
                        decoded += decoder?.bytesDecoded ?? 0
                        decoder = PackObjectDecoder(pack: packs[Int(item.pack)], maxObjectSize: wholeReadLimit, cacheLimit: cacheLimit)
                    }
                    // A crafted pack can make each blob cost gigabytes of delta copying: past a
                    // generous budget of decoding work, the rest goes through libgit2.
                    if decoded + decoder!.bytesDecoded < workBudget, let content = decoder!.object(Int(item.entry)),
                       content.count == blobs[Int(item.blob)].size {
                        body(Int(item.blob), MemoryByteSource(content), nil)
                    } else {
                        viaLibgit2(Int(item.blob))
                    }
                }
            }
            decoder = nil
            while true {
                let o = nextOther.add(1, ordering: .relaxed).oldValue
                guard o < frozenOthers.count else { break }
                viaLibgit2(Int(frozenOthers[o]))
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
