import CGit2

/// A git object id (SHA-1), hashable and printable as hex.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The libgit2 value.
    public var oid: git_oid

    public init(_ oid: git_oid) { self.oid = oid }

    /// The id in the first 20 bytes of `raw`.
    init(_ raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= Int(GIT_OID_RAWSZ))
        self.oid = raw.baseAddress!.loadUnaligned(as: git_oid.self)
    }

    /// Parses a full 40-digit hex id; nil when it is not one.
    public init?(hex: String) {
        guard hex.utf8.count == Int(GIT_OID_HEXSZ) else { return nil }
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self.oid = oid
    }

    /// The 20 raw bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: oid) { Array($0.prefix(Int(GIT_OID_RAWSZ))) } }

    /// Lowercase hex, 40 digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * Int(GIT_OID_RAWSZ))
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    public static func == (a: ObjectID, b: ObjectID) -> Bool {
        var x = a.oid, y = b.oid
        return git_oid_equal(&x, &y) != 0
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: oid) { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0.prefix(Int(GIT_OID_RAWSZ)))) }
    }
}
