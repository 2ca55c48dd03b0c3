/// A key's SHA-256 as four words: the authentication table's dictionary key. Hashing a
/// `[UInt8]` feeds the hasher one byte at a time (32 rounds per request); four words are four.
public struct KeyDigest: Sendable, Hashable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// `digest` must be a 32-byte SHA-256.
    public init(_ digest: [UInt8]) {
        precondition(digest.count == SHA256.digestByteCount, "Internal inconsistency: a key digest is 32 bytes")
        words = digest.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    /// The digest of `bytes` (hashed without an intermediate array).
    init(hashing bytes: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bytes)
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { hasher.finalize(into: $0) }
        words = digest
    }

    public static func == (a: KeyDigest, b: KeyDigest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
