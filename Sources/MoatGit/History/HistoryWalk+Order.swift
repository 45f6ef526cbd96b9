import CGit2

// The order commits are walked in.

extension HistoryWalk {
    /// The commits `tips` reach and `hides` do not, parents before children. libgit2's revision walk
    /// (`TOPOLOGICAL | TIME | REVERSE`) when the repository is complete; our own walk for shallow
    /// clones, and when libgit2's walk fails (a missing commit in a damaged repository).
    func orderCommits(shallow: Set<OIDKey>) -> [git_oid] {
        if shallow.isEmpty, let order = revwalkOrder() { return order }
        return manualOrder(shallow: shallow)
    }

    /// nil when libgit2 cannot complete the walk.
    private func revwalkOrder() -> [git_oid]? {
        var walk: OpaquePointer?
        guard git_revwalk_new(&walk, repo) == 0 else { return nil }
        defer { git_revwalk_free(walk) }
        guard git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue | GIT_SORT_REVERSE.rawValue) == 0
        else { return nil }
        for var tip in tips { guard git_revwalk_push(walk, &tip) == 0 else { return nil } }
        for var hide in hides { guard git_revwalk_hide(walk, &hide) == 0 else { return nil } }
        var order: [git_oid] = []
        var id = git_oid()
        while true {
            let rc = git_revwalk_next(&id, walk)
            if rc == GIT_ITEROVER.rawValue { return order }
            if rc < 0 { return nil }
            order.append(id)
        }
    }

    /// Our own walk: follows parent ids from the tips without loading commits twice, stops at
    /// `shallow` commits (their parents are not in the repository) and at commits the hides reach,
    /// and counts missing commits instead of failing. Ordered parents before children, then by
    /// commit time, then by id.
    private func manualOrder(shallow: Set<OIDKey>) -> [git_oid] {
        // Everything the hides reach (down to the shallow boundary).
        var hidden = Set<OIDKey>()
        var stack = hides
        while var id = stack.popLast() {
            guard hidden.insert(OIDKey(&id)).inserted else { continue }
            var commit: OpaquePointer?
            guard git_commit_lookup(&commit, repo, &id) == 0 else { noteMissing(id, .commit); continue }
            if !shallow.contains(OIDKey(&id)) {
                for i in 0..<git_commit_parentcount(commit) { if let p = git_commit_parent_id(commit, i) { stack.append(p.pointee) } }
            }
            git_commit_free(commit)
        }

        struct Node {
            var id: git_oid
            var time: Int64
            var parents: [OIDKey]
        }
        var nodes: [Node] = []
        var index: [OIDKey: Int] = [:]
        stack = tips
        while var id = stack.popLast() {
            let key = OIDKey(&id)
            if hidden.contains(key) || index[key] != nil { continue }
            var commit: OpaquePointer?
            guard git_commit_lookup(&commit, repo, &id) == 0 else { noteMissing(id, .commit); continue }
            var parents: [OIDKey] = []
            if !shallow.contains(key) {
                for i in 0..<git_commit_parentcount(commit) {
                    guard let p = git_commit_parent_id(commit, i) else { continue }
                    parents.append(OIDKey(p))
                    stack.append(p.pointee)
                }
            }
            index[key] = nodes.count
            nodes.append(Node(id: id, time: Int64(git_commit_time(commit)), parents: parents))
            git_commit_free(commit)
        }

        // Kahn's algorithm with a min-heap on (time, id).
        var children = [[Int]](repeating: [], count: nodes.count)
        var waiting = [Int](repeating: 0, count: nodes.count)
        for (i, node) in nodes.enumerated() {
            for p in Set(node.parents) {
                guard let j = index[p] else { continue }
                children[j].append(i)
                waiting[i] += 1
            }
        }
        let frozen = nodes
        var heap = CommitHeap { a, b in
            if frozen[a].time != frozen[b].time { return frozen[a].time < frozen[b].time }
            var x = frozen[a].id, y = frozen[b].id
            return git_oid_cmp(&x, &y) < 0
        }
        for i in nodes.indices where waiting[i] == 0 { heap.push(i) }
        var order: [git_oid] = []
        order.reserveCapacity(nodes.count)
        while let i = heap.pop() {
            order.append(nodes[i].id)
            for c in children[i] {
                waiting[c] -= 1
                if waiting[c] == 0 { heap.push(c) }
            }
        }
        return order
    }
}

/// A binary min-heap of node indices.
private struct CommitHeap {
    private var items: [Int] = []
    private let less: (Int, Int) -> Bool

    init(less: @escaping (Int, Int) -> Bool) { self.less = less }

    mutating func push(_ x: Int) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, less(items[l], items[m]) { m = l }
                if r < items.count, less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
