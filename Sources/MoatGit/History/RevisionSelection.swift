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
    /// What a push this repository is receiving introduces, from the lines git writes to a
    /// pre-receive hook's stdin: each updated ref's new commit, excluding every ref the repository
    /// has now (git updates none of them before the hook accepts). A deletion introduces nothing;
    /// a new ref whose commits the repository already holds under another ref introduces nothing.
    /// The pushed objects are in git's quarantine directory: open the repository from the
    /// environment (`GitRepository.open(at:fromEnvironment:)`) so they are found. A blob counts
    /// as "at HEAD" when it is in a pushed tip's tree (the server's HEAD says nothing of a push).
    case preReceive(lines: [PreReceiveLine])
}

/// One line of a pre-receive (or post-receive) hook's stdin: `<old sha> <new sha> <ref>`.
public struct PreReceiveLine: Hashable, Sendable {
    /// What `ref` points to now; all zeros when the push creates it.
    public var oldID: ObjectID
    /// What the push sets `ref` to; all zeros when the push deletes it.
    public var newID: ObjectID
    /// The full ref name (`refs/heads/main`).
    public var ref: String

    public init(oldID: ObjectID, newID: ObjectID, ref: String) {
        self.oldID = oldID
        self.newID = newID
        self.ref = ref
    }

    /// The push deletes `ref`: nothing arrives.
    public var isDeletion: Bool { newID.isZero }
    /// The push creates `ref`.
    public var isCreation: Bool { oldID.isZero }

    /// Parses everything git wrote to the hook's stdin; blank lines are ignored.
    public static func parse(bytes: [UInt8]) throws(GitError) -> [PreReceiveLine] {
        try HookInputLines.parse(bytes, hook: "pre-receive", expected: "<old sha> <new sha> <ref>", count: 3) { fields, fail throws(GitError) in
            PreReceiveLine(oldID: try HookInputLines.objectID(fields[0], "old sha", fail),
                           newID: try HookInputLines.objectID(fields[1], "new sha", fail), ref: fields[2])
        }
    }

    /// `parse(bytes:)` for a string.
    public static func parse(_ input: String) throws(GitError) -> [PreReceiveLine] { try parse(bytes: Array(input.utf8)) }
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
        guard let parsed = try HookInputLines.parse(Array(line.utf8), hook: "pre-push", expected: Self.expected, count: 4,
                                                    firstLine: lineNumber, Self.init(fields:fail:)).first else {
            throw GitError(message: "pre-push input, line \(lineNumber): expected '\(Self.expected)', got an empty line")
        }
        self = parsed
    }

    /// Parses everything git wrote to the hook's stdin; blank lines are ignored. Empty input (git
    /// pushes nothing, e.g. "Everything up-to-date") gives no lines.
    public static func parse(_ input: String) throws(GitError) -> [PrePushLine] {
        try parse(bytes: Array(input.utf8))
    }

    /// `parse(_:)` for raw stdin bytes (ref names are decoded as UTF-8, invalid bytes replaced).
    public static func parse(bytes: [UInt8]) throws(GitError) -> [PrePushLine] {
        try HookInputLines.parse(bytes, hook: "pre-push", expected: expected, count: 4, Self.init(fields:fail:))
    }

    private static let expected = "<local ref> <local sha> <remote ref> <remote sha>"

    private init(fields: [String], fail: (String) -> GitError) throws(GitError) {
        self.init(localRef: fields[0], localID: try HookInputLines.objectID(fields[1], "local sha", fail),
                  remoteRef: fields[2], remoteID: try HookInputLines.objectID(fields[3], "remote sha", fail))
    }
}

/// The line format git's push hooks read on stdin: whitespace-separated fields, one update a line.
enum HookInputLines {
    /// Splits `bytes` into lines of `count` fields each and builds one value per line with `make`
    /// (given the fields and a way to word an error for that line); blank lines are skipped.
    static func parse<Line>(_ bytes: [UInt8], hook: String, expected: String, count: Int, firstLine: Int = 1,
                            _ make: ([String], (String) -> GitError) throws(GitError) -> Line) throws(GitError) -> [Line] {
        var lines: [Line] = []
        var number = firstLine - 1
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy(isBlank) { continue }
            let fields = line.split(whereSeparator: isBlank).map { String(decoding: $0, as: UTF8.self) }
            let lineNumber = number
            let fail = { (why: String) in GitError(message: "\(hook) input, line \(lineNumber): \(why)") }
            guard fields.count == count else {
                let shown = TerminalText.excerpt(bytes: line, limit: 160)
                throw fail("expected '\(expected)', got \(fields.count) field\(fields.count == 1 ? "" : "s"): '\(shown)'")
            }
            lines.append(try make(fields, fail))
        }
        return lines
    }

    /// A 40-digit object id field; `role` names it in errors.
    static func objectID(_ field: String, _ role: String, _ fail: (String) -> GitError) throws(GitError) -> ObjectID {
        if field.utf8.count == 64, field.utf8.allSatisfy(\.isHexDigit) {
            throw fail("\(role) '\(field)' is a SHA-256 object id; moat supports SHA-1 repositories only")
        }
        guard field.utf8.count == 40, field.utf8.allSatisfy(\.isHexDigit), let id = ObjectID(hex: field) else {
            throw fail("\(role) '\(TerminalText.excerpt(field, limit: 80))' is not a 40-digit object id")
        }
        return id
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
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
