import CGit2
import MoatBytes

/// Which part of a repository's history `HistorySource` enumerates.
public enum RevisionSelection: Hashable, Sendable {
    /// Every blob reachable from any ref: branches, tags (peeled), remote-tracking refs, notes,
    /// `refs/stash` and the older stash entries in its reflog, and HEAD (also when detached). With
    /// `includeUnreachable`, blobs in the object database that none of those reach (dangling objects)
    /// are added too, attributed to no commit.
    case allRefs(includeUnreachable: Bool)
    /// What the revisions introduce, read like `git rev-list REV...`: `REV` includes a tip, `^REV`
    /// excludes what it reaches, `A..B` is `B ^A` (an empty side is HEAD), `A...B` is `A B` minus
    /// their merge bases, `REV^!` is `REV` minus its parents and `REV^@` its parents. An empty list
    /// selects nothing. See `HistorySource` for the boundary rule.
    case revisions([String])
    /// What `git push` would send, from the lines git writes to a pre-push hook's stdin, pushing to
    /// `remote` (the hook's first argument: a remote name, or a URL when none was named).
    ///
    /// - deletion (local id all zeros): nothing;
    /// - new branch (remote id all zeros): the local commit, excluding every `refs/remotes/<remote>/*`
    ///   ref (with no remote-tracking refs, everything reachable is new);
    /// - update: the local commit excluding the remote one; when the remote commit is not in this
    ///   repository (someone else force-pushed), the remote-tracking refs are excluded instead.
    case prePush(lines: [PrePushLine], remote: String)
}

/// One line of a pre-push hook's stdin: `<local ref> <local sha> <remote ref> <remote sha>`.
public struct PrePushLine: Hashable, Sendable {
    /// The ref being pushed (`refs/heads/main`), or `(delete)` for a deletion.
    public var localRef: String
    /// The commit being pushed; all zeros for a deletion.
    public var localID: ObjectID
    /// The ref updated on the remote.
    public var remoteRef: String
    /// What the remote ref points to now; all zeros when it does not exist yet.
    public var remoteID: ObjectID

    public init(localRef: String, localID: ObjectID, remoteRef: String, remoteID: ObjectID) {
        self.localRef = localRef
        self.localID = localID
        self.remoteRef = remoteRef
        self.remoteID = remoteID
    }

    /// The push deletes `remoteRef`: nothing is sent.
    public var isDeletion: Bool { localID.isZero }
    /// `remoteRef` does not exist on the remote yet.
    public var isNewRef: Bool { remoteID.isZero }

    /// Parses one line (a trailing `\r` is ignored). `lineNumber` is only used in error messages.
    public init(parsing line: String, lineNumber: Int = 1) throws(GitError) {
        try self.init(parsing: Array(line.utf8)[...], lineNumber: lineNumber)
    }

    /// Parses everything git wrote to the hook's stdin; blank lines are ignored. Empty input (git
    /// pushes nothing, e.g. "Everything up-to-date") gives no lines.
    public static func parse(_ input: String) throws(GitError) -> [PrePushLine] {
        try parse(bytes: Array(input.utf8))
    }

    /// `parse(_:)` for raw stdin bytes (ref names are decoded as UTF-8, invalid bytes replaced).
    public static func parse(bytes: [UInt8]) throws(GitError) -> [PrePushLine] {
        var lines: [PrePushLine] = []
        var number = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy(Self.isBlank) { continue }
            lines.append(try PrePushLine(parsing: line, lineNumber: number))
        }
        return lines
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    private init(parsing line: ArraySlice<UInt8>, lineNumber: Int) throws(GitError) {
        let fields = line.split(whereSeparator: Self.isBlank).map { String(decoding: $0, as: UTF8.self) }
        func fail(_ why: String) -> GitError { GitError(message: "pre-push input, line \(lineNumber): \(why)") }
        guard fields.count == 4 else {
            let shown = TerminalText.excerpt(bytes: line, limit: 160)
            throw fail("expected '<local ref> <local sha> <remote ref> <remote sha>', got \(fields.count) field\(fields.count == 1 ? "" : "s"): '\(shown)'")
        }
        func id(_ field: String, _ role: String) throws(GitError) -> ObjectID {
            if field.utf8.count == 64, field.utf8.allSatisfy(\.isHexDigit) {
                throw fail("\(role) '\(field)' is a SHA-256 object id; moat supports SHA-1 repositories only")
            }
            guard field.utf8.count == 40, field.utf8.allSatisfy(\.isHexDigit), let id = ObjectID(hex: field) else {
                throw fail("\(role) '\(TerminalText.excerpt(field, limit: 80))' is not a 40-digit object id")
            }
            return id
        }
        self.init(localRef: fields[0], localID: try id(fields[1], "local sha"),
                  remoteRef: fields[2], remoteID: try id(fields[3], "remote sha"))
    }
}

extension ObjectID {
    /// The all-zeros id git uses for "no object".
    public var isZero: Bool {
        var oid = self.oid
        return git_oid_is_zero(&oid) != 0
    }
}

private extension UInt8 {
    var isHexDigit: Bool { (0x30...0x39).contains(self) || (0x61...0x66).contains(self) || (0x41...0x46).contains(self) }
}
