#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGit2
import MoatBytes

// Turning a `RevisionSelection` into tips to include and tips to exclude.

extension HistoryWalk {
    /// Every ref (branches, tags, remote-tracking refs, notes, stash, ...), HEAD, and the older stash
    /// entries of the `refs/stash` reflog. Annotated tags are peeled; refs to trees and blobs are
    /// kept apart; refs to missing objects are counted as missing.
    func resolveAllRefs() throws(GitError) {
        brokenRefs = Self.brokenLooseRefs(commonDir: repository.commonDir)
        try forEachReference { addPeeled($0) }
        var head: OpaquePointer?
        if git_reference_lookup(&head, repo, "HEAD") == 0 {
            defer { git_reference_free(head) }
            addPeeled(head!)
        }
        // The stash reflog is read here, not with git_reflog_read: libgit2 1.5 creates
        // logs/refs/stash (and logs/ in a bare repository) when it is missing, and moat never
        // writes to a repository it scans.
        for id in Self.stashReflog(commonDir: repository.commonDir) {
            var oid = id
            if git_odb_exists(odb, &oid) != 0 { tips.append(oid) } else { noteMissing(oid, .commit) }
        }
    }

    /// Loose ref files under `refs/` whose content is neither a 40-hex id nor `ref: <target>`
    /// (libgit2's iterator skips them without a word), sorted; at most 100 listed.
    static func brokenLooseRefs(commonDir: PathBytes) -> [String] {
        var broken: [String] = []
        var stack: [[UInt8]] = [Array("refs".utf8)]
        var visited = 0
        while let rel = stack.popLast(), visited < 100_000, broken.count < 100 {
            visited += 1
            let path = commonDir.appending(rel)
            guard let dir = opendir(path.cString) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if name == Array(".".utf8) || name == Array("..".utf8) { continue }
                let child = rel + [UInt8(ascii: "/")] + name
                var st = stat()
                guard lstat(commonDir.appending(child).cString, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { stack.append(child); continue }
                guard (st.st_mode & S_IFMT) == S_IFREG, !name.starts(with: Array(".".utf8)), !name.reversed().starts(with: Array("kcol.".utf8)) else { continue }
                let content = FileIO.readPrefix(commonDir.appending(child), limit: 4096) ?? []
                let line = content.prefix { $0 != 0x0A }
                let isID = line.count == 40 && line.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
                if !isID && !line.starts(with: Array("ref: ".utf8)) { broken.append(String(decoding: child, as: UTF8.self)) }
            }
        }
        return broken.sorted()
    }

    /// The new ids of `logs/refs/stash` ("<old> <new> <who> <when>\t<message>" per line), read-only.
    static func stashReflog(commonDir: PathBytes) -> [git_oid] {
        guard let bytes = FileIO.readPrefix(commonDir.appending(Array("logs/refs/stash".utf8)), limit: 64 << 20) else { return [] }
        var ids: [git_oid] = []
        for line in bytes.split(separator: 0x0A) where line.count > 82 {
            let hex = String(decoding: line.dropFirst(41).prefix(40), as: UTF8.self)
            guard let id = ObjectID(hex: hex), !id.hex.allSatisfy({ $0 == "0" }) else { continue }
            ids.append(id.oid)
        }
        return ids
    }

    /// Calls `body` with every reference of the repository (each freed after its call).
    private func forEachReference(_ body: (OpaquePointer) -> Void) throws(GitError) {
        var iterator: OpaquePointer?
        try GitError.check(git_reference_iterator_new(&iterator, repo), "cannot list references")
        defer { git_reference_iterator_free(iterator) }
        while true {
            var ref: OpaquePointer?
            let rc = git_reference_next(&ref, iterator)
            if rc == GIT_ITEROVER.rawValue { break }
            try GitError.check(rc, "cannot list references")
            defer { git_reference_free(ref) }
            body(ref!)
        }
    }

    /// Files the object a ref leads to (through tags) as a commit, tree or blob tip.
    private func addPeeled(_ ref: OpaquePointer) {
        var object: OpaquePointer?
        let rc = git_reference_peel(&object, ref, GIT_OBJECT_ANY)
        guard rc == 0, let object else {
            // A symbolic ref to a ref that does not exist (an unborn HEAD, a stale origin/HEAD) is
            // not damage; a direct ref to an absent object is.
            if git_reference_type(ref) == GIT_REFERENCE_DIRECT, let target = git_reference_target(ref) {
                noteMissing(target.pointee, .object)
            }
            return
        }
        defer { git_object_free(object) }
        let id = git_object_id(object)!.pointee
        switch git_object_type(object) {
        case GIT_OBJECT_COMMIT: tips.append(id)
        case GIT_OBJECT_TREE: treeTips.append(id)
        case GIT_OBJECT_BLOB: blobTips.append(id)
        default: break
        }
    }

    /// `git rev-list`-style arguments.
    func resolveRevisions(_ specs: [String]) throws(GitError) {
        for spec in specs {
            if spec.hasPrefix("^"), spec.count > 1 {
                hides.append(try commit(named: String(spec.dropFirst())))
            } else if spec.hasSuffix("^!"), spec.count > 2 {
                // The commit alone: include it, exclude its parents.
                let id = try commit(named: String(spec.dropLast(2)))
                tips.append(id)
                hides.append(contentsOf: try parents(of: id))
            } else if spec.hasSuffix("^@"), spec.count > 2 {
                // All of the commit's parents (not the commit).
                tips.append(contentsOf: try parents(of: try commit(named: String(spec.dropLast(2)))))
            } else {
                try resolveRange(spec)
            }
        }
    }

    /// One argument that is a revision or an `A..B` / `A...B` range.
    private func resolveRange(_ spec: String) throws(GitError) {
        var revspec = git_revspec()
        let rc = spec.isEmpty ? GIT_EINVALIDSPEC.rawValue : git_revparse(&revspec, repo, spec)
        if rc < 0 {
            let error = GitError.last(rc, "cannot resolve '\(spec)'")
            // Name the side of a range that failed, as git does.
            for side in rangeSides(spec) where !side.isEmpty {
                var object: OpaquePointer?
                let rc2 = git_revparse_single(&object, repo, side)
                if rc2 < 0 { throw revisionError(rc2, side, GitError.last(rc2, "cannot resolve '\(side)'")) }
                git_object_free(object)
            }
            throw revisionError(rc, spec, error)
        }
        defer {
            git_object_free(revspec.from)
            git_object_free(revspec.to)
        }
        if revspec.flags & GIT_REVSPEC_RANGE.rawValue != 0 {
            let sides = rangeSides(spec).map { $0.isEmpty ? "HEAD" : $0 }  // an empty side means HEAD
            let from = try peelToCommit(revspec.from, named: sides.first ?? spec)
            let to = try peelToCommit(revspec.to, named: sides.last ?? spec)
            if revspec.flags & GIT_REVSPEC_MERGE_BASE.rawValue != 0 {
                tips.append(contentsOf: [from, to])
                hides.append(contentsOf: try mergeBases(from, to))
            } else {
                hides.append(from)
                tips.append(to)
            }
        } else {
            tips.append(try peelToCommit(revspec.from, named: spec))
        }
    }

    /// The sides of `A..B` or `A...B`; empty when `spec` is not a range.
    private func rangeSides(_ spec: String) -> [String] {
        let bytes = Array(spec.utf8)
        for width in [3, 2] where bytes.count >= width {
            for i in 0...(bytes.count - width) where bytes[i..<(i + width)].allSatisfy({ $0 == UInt8(ascii: ".") }) {
                return [String(decoding: bytes[..<i], as: UTF8.self), String(decoding: bytes[(i + width)...], as: UTF8.self)]
            }
        }
        return []
    }

    private func revisionError(_ rc: Int32, _ name: String, _ underlying: GitError) -> GitError {
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue || rc == GIT_EUNBORNBRANCH.rawValue {
            return GitError(code: GIT_ENOTFOUND.rawValue, message: "unknown revision '\(name)'")
        }
        if rc == GIT_EAMBIGUOUS.rawValue { return GitError(code: rc, message: "ambiguous revision '\(name)'") }
        return underlying
    }

    /// The commit a single revision names (tags peeled).
    private func commit(named name: String) throws(GitError) -> git_oid {
        var object: OpaquePointer?
        let rc = name.isEmpty ? GIT_EINVALIDSPEC.rawValue : git_revparse_single(&object, repo, name)
        if rc < 0 { throw revisionError(rc, name, GitError.last(rc, "cannot resolve '\(name)'")) }
        defer { git_object_free(object) }
        return try peelToCommit(object, named: name)
    }

    private func peelToCommit(_ object: OpaquePointer?, named name: String) throws(GitError) -> git_oid {
        var commit: OpaquePointer?
        let rc = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        if rc < 0 {
            let kind = object.map { String(cString: git_object_type2string(git_object_type($0))) } ?? "object"
            throw GitError(code: rc, message: "revision '\(name)' is a \(kind), not a commit")
        }
        defer { git_object_free(commit) }
        return git_object_id(commit)!.pointee
    }

    private func parents(of id: git_oid) throws(GitError) -> [git_oid] {
        var id = id
        var commit: OpaquePointer?
        try GitError.check(git_commit_lookup(&commit, repo, &id), "cannot read commit \(ObjectID(id))")
        defer { git_commit_free(commit) }
        return (0..<git_commit_parentcount(commit)).compactMap { git_commit_parent_id(commit, $0)?.pointee }
    }

    private func mergeBases(_ one: git_oid, _ two: git_oid) throws(GitError) -> [git_oid] {
        var one = one, two = two
        var bases = git_oidarray()
        let rc = git_merge_bases(&bases, repo, &one, &two)
        if rc == GIT_ENOTFOUND.rawValue { return [] }  // unrelated histories: nothing in common
        try GitError.check(rc, "cannot find the merge base of \(ObjectID(one)) and \(ObjectID(two))")
        defer { git_oidarray_dispose(&bases) }
        return (0..<bases.count).map { bases.ids[$0] }
    }

    /// What a push would send; see `RevisionSelection.prePush`.
    func resolvePrePush(_ lines: [PrePushLine], remote: String) throws(GitError) {
        var hideTracking = false
        for line in lines where !line.isDeletion {
            try addPushed(line.localID, ref: line.localRef, hook: "pre-push")
            if line.isNewRef {
                hideTracking = true
                continue
            }
            var remoteID = line.remoteID.oid
            var remoteObject: OpaquePointer?
            if git_odb_exists(odb, &remoteID) != 0, git_object_lookup(&remoteObject, repo, &remoteID, GIT_OBJECT_ANY) == 0 {
                defer { git_object_free(remoteObject) }
                var commit: OpaquePointer?
                if git_object_peel(&commit, remoteObject, GIT_OBJECT_COMMIT) == 0 {
                    hides.append(git_object_id(commit)!.pointee)
                    git_object_free(commit)
                }
            } else {
                // The remote moved to a commit we never fetched (a force push from elsewhere): what
                // we know the remote has is its remote-tracking refs.
                stats.unknownRemoteCommits += 1
                hideTracking = true
            }
        }
        if hideTracking { try hideRemoteTrackingRefs(remote) }
    }

    /// What a received push introduces; see `RevisionSelection.preReceive`.
    func resolvePreReceive(_ lines: [PreReceiveLine]) throws(GitError) {
        let updates = lines.filter { !$0.isDeletion }
        guard !updates.isEmpty else { return }
        for line in updates { try addPushed(line.newID, ref: line.ref, hook: "pre-receive") }
        // Everything the repository's refs reach is already here; git moves no ref before the
        // hook accepts the push.
        try hideRefs { _ in true }
    }

    /// Files the object a push sends for `ref` as a commit, tree or blob tip. Pushing an annotated
    /// tag sends the tag object and what it points to. Throws when the object is not in the
    /// repository.
    private func addPushed(_ pushed: ObjectID, ref: String, hook: String) throws(GitError) {
        var id = pushed.oid
        var object: OpaquePointer?
        let rc = git_object_lookup(&object, repo, &id, GIT_OBJECT_ANY)
        if rc < 0 {
            throw GitError(code: rc, message: "\(hook): \(ref) points to \(pushed), which is not in this repository")
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        if git_object_type(object) == GIT_OBJECT_TAG, git_object_peel(&peeled, object, GIT_OBJECT_ANY) < 0 {
            noteMissing(git_tag_target_id(object)!.pointee, .object)
            return
        }
        defer { git_object_free(peeled) }
        let target = peeled ?? object!
        let targetID = git_object_id(target)!.pointee
        switch git_object_type(target) {
        case GIT_OBJECT_COMMIT: tips.append(targetID)
        case GIT_OBJECT_TREE: treeTips.append(targetID)
        case GIT_OBJECT_BLOB: blobTips.append(targetID)
        default: break
        }
    }

    /// Excludes every commit a `refs/remotes/<remote>/` ref points to.
    private func hideRemoteTrackingRefs(_ remote: String) throws(GitError) {
        let prefix = Array("refs/remotes/\(remote)/".utf8)
        try hideRefs { name in
            strlen(name) > prefix.count && prefix.withUnsafeBufferPointer { memcmp(name, $0.baseAddress!, prefix.count) == 0 }
        }
    }

    /// Excludes the commit of every ref whose name `include` accepts.
    private func hideRefs(_ include: (UnsafePointer<CChar>) -> Bool) throws(GitError) {
        try forEachReference { ref in
            guard let name = git_reference_name(ref), include(name) else { return }
            var commit: OpaquePointer?
            if git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT) == 0 {
                hides.append(git_object_id(commit)!.pointee)
                git_object_free(commit)
            }
        }
    }
}

/// The whole content of a small file; nil when it cannot be read.
func readSmallFile(_ path: PathBytes) -> [UInt8]? {
    var info = stat()
    guard stat(path.cString, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return readPrefix(path, limit: Int(info.st_size) + 1)
}
