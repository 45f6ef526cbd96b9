import MoatBytes

/// How content may be stored in git, whatever it is: paths whose files must be Git LFS pointers
/// (`lfs: required`) and a size limit for every file (`max-file-size`, what pre-commit's
/// `check-added-large-files` does). Checked on each input by path, size and whether the content is
/// an LFS pointer, so `scan`, `staged` and `history` agree.
public struct StoragePolicy: Sendable {
    public static let lfsRequiredRule = "policy.lfs-required"
    public static let largeFileRule = "policy.large-file"

    /// Paths whose files must be LFS pointers.
    public var lfsRequired: [PathPattern]
    /// Files larger than this many bytes are findings; nil: no limit.
    public var maxFileSize: Int?

    public init(lfsRequired: [PathPattern] = [], maxFileSize: Int? = nil) {
        self.lfsRequired = lfsRequired
        self.maxFileSize = maxFileSize
    }

    /// Whether the policy can produce anything (a hook with no policy pays nothing for it).
    public var isEmpty: Bool { lfsRequired.isEmpty && maxFileSize == nil }

    /// The policy findings for one input. Any non-empty file under an `lfs: required` pattern that
    /// is not a pointer is one (a config.json there too: the pattern says everything there goes
    /// through LFS, as `.gitattributes` would make it); a pointer never is, whatever it stands for.
    public func findings(path: PathBytes, size: Int, isLFSPointer: Bool, head: [UInt8]) -> [Finding] {
        guard !isEmpty, !isLFSPointer else { return [] }
        var out: [Finding] = []
        if size > 0, let pattern = lfsRequired.first(where: { $0.matches(path) }) {
            out.append(finding(Self.lfsRequiredRule, path: path, size: size, head: head, label: "file not stored with Git LFS",
                               message: "not stored with Git LFS, but lfs.required covers this path (\"\(pattern.text)\"): "
                                   + "\(FindingMessage.bytes(size)) in git; `git lfs track` it"))
        }
        if let limit = maxFileSize, size > limit {
            out.append(finding(Self.largeFileRule, path: path, size: size, head: head, label: "large file",
                               message: "large file: \(FindingMessage.bytes(size)), over max-file-size (\(FindingMessage.bytes(limit)))"))
        }
        return out
    }

    private func finding(_ rule: String, path: PathBytes, size: Int, head: [UInt8], label: String, message: String) -> Finding {
        Finding(kind: .artifact, category: .policy, rule: rule, format: "file", severity: .block, path: path, size: size,
                summary: ArtifactSummary(), label: label, message: message,
                fingerprint: Fingerprint.artifact(rule: rule, size: size, head: head))
    }

    /// `findings` without the large-file findings of files something else already blocks (an
    /// artifact, a secret, lfs-required): that finding fails the scan and states the size, so a
    /// second line about the same file is noise. Applied after suppression, so a file whose other
    /// finding was accepted is still held to the size limit.
    public static func droppingCoveredLargeFiles(_ findings: [Finding]) -> [Finding] {
        guard findings.contains(where: { $0.rule == largeFileRule }) else { return findings }
        struct Key: Hashable { let path: PathBytes, blob: String? }
        let blocked = Set(findings.filter { $0.rule != largeFileRule && $0.severity == .block }.map { Key(path: $0.path, blob: $0.blob) })
        return findings.filter { $0.rule != largeFileRule || !blocked.contains(Key(path: $0.path, blob: $0.blob)) }
    }
}

/// A path pattern as `.gitattributes` writes them: with a `/` it is anchored at the root
/// (`models/**`); without one it matches the file name at any depth (`*.safetensors`). `*` stays
/// within a folder, `**/` spans folders.
public struct PathPattern: Sendable {
    /// As the user wrote it, for messages.
    public let text: String
    private let glob: Glob

    public init(_ text: String) {
        self.text = text
        self.glob = Glob(text.utf8.contains(UInt8(ascii: "/")) ? text : "**/" + text)
    }

    public func matches(_ path: PathBytes) -> Bool { glob.matches(path.bytes) }
}
