#if canImport(Glibc)
import Glibc
#endif

/// The last `Authorization` value a connection sent and its key's digest. Clients (the
/// `openai` SDK, curl, load generators) send the same key on every request of a keep-alive
/// connection, so comparing bytes spares a SHA-256 per request. Only the digest step is
/// skipped: every request is still looked up in the live table, so a revoked key stops
/// working exactly as without the cache.
///
/// The value bytes already sit in the connection's read buffer while a request is parsed;
/// this keeps one copy for the connection's life, in memory only, and `clear()` overwrites it
/// when the connection closes.
struct BearerDigestCache {
    private var value: [UInt8] = []
    private var digest: KeyDigest?
    /// The second this connection last recorded its key's use (`last_used` has one-second
    /// resolution, so later requests in the same second need not take the table's lock).
    var lastUsedRecorded: Int?

    /// The digest for `value`: the cached one when `value` is byte-equal to the last value
    /// computed, else `compute(value)` (cached when it is non-nil).
    mutating func digest(
        for value: UnsafeBufferPointer<UInt8>, compute: (UnsafeBufferPointer<UInt8>) -> KeyDigest?
    ) -> KeyDigest? {
        if let digest, value.count > 0, self.value.count == value.count,
            self.value.withUnsafeBufferPointer({ memcmp($0.baseAddress!, value.baseAddress!, value.count) == 0 }) {
            return digest
        }
        clear()
        guard let computed = compute(value) else { return nil }
        self.value.append(contentsOf: value)
        digest = computed
        return computed
    }

    /// Forgets the cached value, overwriting its bytes first.
    mutating func clear() {
        value.withUnsafeMutableBufferPointer { bytes in
            for i in bytes.indices { bytes[i] = 0 }
        }
        value.removeAll(keepingCapacity: true)
        digest = nil
        lastUsedRecorded = nil
    }
}
