import MoatBytes

/// One unique blob of a history walk, attributed to the commit that first carried it.
public struct HistoryBlob: Hashable, Sendable {
    /// The blob.
    public let id: ObjectID
    /// Its size in bytes, from the object header (the content was not inflated).
    public let size: Int
    /// Its path in `firstCommit`'s tree, as the raw bytes git stores. For a blob reached without a
    /// commit: its path in the tree a ref points to, or empty (a ref to the blob itself, or a
    /// dangling blob).
    public let path: PathBytes
    /// The first commit, in walk order, whose tree holds the blob: the one that introduced it.
    /// nil when no walked commit holds it (see `reachable`).
    public let firstCommit: ObjectID?
    /// That commit's author name and email (invalid UTF-8 replaced); nil without a commit.
    public let author: String?
    public let authorEmail: String?
    /// That commit's author time, in seconds since 1970; nil without a commit.
    public let time: Int64?
    /// How many distinct paths the blob was seen at (at least 1). A subtree that appears with
    /// identical content at several places is walked once, at the first place it was met, so its
    /// other places are not counted.
    public let pathCount: Int
    /// How many walked commits wrote a new version of a directory holding the blob (at least 1 when
    /// `firstCommit` is set). A lower bound on the commits that carry it: a commit that leaves the
    /// blob's directory untouched carries it but is not counted, because unchanged trees are not
    /// walked again. 0 without a commit.
    public let commitCount: Int
    /// The blob is in HEAD's tree (at any path). false for a blob that lives only in history, such
    /// as a file that was added and later deleted (false everywhere when HEAD has no commit).
    public let inHead: Bool
    /// false only for dangling blobs added by `.allRefs(includeUnreachable: true)`.
    public let reachable: Bool
    /// `firstCommit`'s position in the walk (parents before children, oldest first); nil without
    /// a commit. Orders places by introduction when commit times tie.
    public var commitOrder: Int?

    public init(id: ObjectID, size: Int, path: PathBytes, firstCommit: ObjectID?, author: String?, authorEmail: String?,
                time: Int64?, pathCount: Int, commitCount: Int, inHead: Bool, reachable: Bool) {
        self.id = id
        self.size = size
        self.path = path
        self.firstCommit = firstCommit
        self.author = author
        self.authorEmail = authorEmail
        self.time = time
        self.pathCount = pathCount
        self.commitCount = commitCount
        self.inHead = inHead
        self.reachable = reachable
    }
}

/// An object the walk needed and could not read.
public struct MissingObject: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case commit, tree, blob
        /// The target of a ref, of unknown type.
        case object
    }

    public let id: ObjectID
    public let kind: Kind

    public init(id: ObjectID, kind: Kind) {
        self.id = id
        self.kind = kind
    }

    public var description: String { "\(kind.rawValue) \(id)" }
}

/// Counters of a history walk.
public struct HistoryStats: Hashable, Sendable {
    /// Commits walked (their trees were looked at).
    public var commits = 0
    /// Unique trees walked for the selected commits (each is entered once however many commits
    /// share it; the boundary trees of a range and HEAD's tree are not counted).
    public var trees = 0
    /// Entries read in those trees.
    public var treeEntries = 0
    /// Trees decoded up front from the packs (`HistorySource.TreePreload`); 0 when not preloaded.
    public var treesPreloaded = 0
    /// Unique blobs listed (`HistorySource.blobs.count`).
    public var blobs = 0
    /// Of those, dangling blobs (`.allRefs(includeUnreachable: true)` only).
    public var unreachableBlobs = 0
    /// Distinct submodule commits (gitlinks) met in walked trees and skipped.
    public var skippedGitlinks = 0
    /// Distinct symlink blobs met in walked trees and skipped (never followed).
    public var skippedSymlinks = 0
    /// Distinct objects that could not be read, by kind. A missing commit or tree is skipped with
    /// everything only it leads to; a missing blob (no readable header, e.g. in a partial clone) is
    /// left out of `blobs`.
    public var missingCommits = 0
    public var missingTrees = 0
    public var missingBlobs = 0
    public var missingOthers = 0
    /// The repository is a shallow clone: the walk stopped at the commits in its `shallow` file.
    public var shallow = false
    /// Excluding tips (`^REV`, `A..B`, the remote side of a push) whose trees bound the walk.
    public var boundaryCommits = 0
    /// Pre-push lines whose remote commit was not in this repository; the remote-tracking refs
    /// were excluded instead.
    public var unknownRemoteCommits = 0

    public var missingObjects: Int { missingCommits + missingTrees + missingBlobs + missingOthers }

    public init() {}
}
