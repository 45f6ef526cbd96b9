import Crypto
import MoatBytes

/// `--verify-objects` for blobs moat reads itself (its pack decoder, its loose and packed
/// streams): the whole blob is hashed as git hashes it (SHA-1 of `blob <size>\0` and the
/// content) and compared with its id. A big blob is drained through its stream, so a 5 GB blob
/// is really read, while the scan still reads only the head its format needs.
public enum BlobVerification {
    /// `source`, or `source` wrapped to report why it does not hash to `id` (`readFailure`).
    public static func verified(_ source: ByteSource, id: ObjectID) -> ByteSource {
        guard let failure = check(source, id: id) else { return source }
        return FailedSource(inner: source, failure: failure)
    }

    /// Why `source` is not the blob `id` (damage met while reading, or another hash), or nil.
    public static func check(_ source: ByteSource, id: ObjectID) -> String? {
        var hasher = Insecure.SHA1()
        hasher.update(data: Array("blob \(source.size)".utf8) + [0])
        if let damage = source.drain({ hasher.update(data: $0) }) { return damage }
        let digest = Array(hasher.finalize())
        guard digest == id.bytes else {
            let hex = digest.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            return "its content hashes to \(hex), not to its id \(id.hex)"
        }
        return nil
    }

    /// A source whose verification failed: reads still work (what was found before the damage is
    /// kept), and `readFailure` says why the blob is not trusted.
    final class FailedSource: ByteSource {
        let inner: ByteSource
        let failure: String
        init(inner: ByteSource, failure: String) {
            self.inner = inner
            self.failure = failure
        }
        var size: Int { inner.size }
        var isRandomAccess: Bool { inner.isRandomAccess }
        var bytesRead: Int { inner.bytesRead }
        var readFailure: String? { inner.readFailure ?? failure }
        func read(at offset: Int, count: Int) -> [UInt8]? { inner.read(at: offset, count: count) }
        func drain(_ visit: (ArraySlice<UInt8>) -> Void) -> String? { readFailure }
    }
}
