import Testing
@testable import ProxyKit

/// The per-connection digest cache: a byte-equal value reuses the digest, anything else is
/// hashed as itself, and a value that is not a key is never cached.
struct BearerDigestCacheTests {
    static let key = "Bearer " + APIKey.generate().secret
    static let other = "Bearer " + APIKey.generate().secret

    /// Runs `cache.digest` on `value` and counts how often the real digest function ran.
    func digest(_ cache: inout BearerDigestCache, _ value: String, computed: inout Int) -> KeyDigest? {
        Array(value.utf8).withUnsafeBufferPointer { bytes in
            cache.digest(for: bytes) { bytes in
                computed += 1
                return Authenticator.bearerKeyDigest(bytes)
            }
        }
    }

    func expected(_ value: String) -> KeyDigest? {
        Array(value.utf8).withUnsafeBufferPointer { Authenticator.bearerKeyDigest($0) }
    }

    @Test func sameValueIsHashedOnce() throws {
        var cache = BearerDigestCache()
        var computed = 0
        let first = try #require(digest(&cache, Self.key, computed: &computed))
        #expect(first == expected(Self.key))
        for _ in 0..<5 { #expect(digest(&cache, Self.key, computed: &computed) == first) }
        #expect(computed == 1)
    }

    @Test func anyOtherValueIsHashedAsItself() throws {
        var cache = BearerDigestCache()
        var computed = 0
        _ = digest(&cache, Self.key, computed: &computed)
        // Another key, the same key one byte longer or shorter, one byte changed, another case.
        var changed = Array(Self.key.utf8)
        changed[changed.count - 1] ^= 1
        let variants = [Self.other, Self.key + "x", String(Self.key.dropLast()), String(decoding: changed, as: UTF8.self),
                        "bearer " + Self.key.dropFirst(7)]
        for value in variants {
            #expect(digest(&cache, value, computed: &computed) == expected(value), "\(value)")
            #expect(digest(&cache, Self.key, computed: &computed) == expected(Self.key))
        }
        #expect(computed == 1 + 2 * variants.count)
    }

    @Test func valuesThatAreNotKeysAreNotCached() {
        var cache = BearerDigestCache()
        var computed = 0
        for value in ["", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer sk-ds4-short", "Bearer sk-ds4-" + String(repeating: "!", count: 40)] {
            #expect(digest(&cache, value, computed: &computed) == nil)
            #expect(digest(&cache, value, computed: &computed) == nil)
        }
        #expect(computed == 10)
        // A failed value also drops what was cached before it.
        _ = digest(&cache, Self.key, computed: &computed)
        _ = digest(&cache, "Bearer nope", computed: &computed)
        _ = digest(&cache, Self.key, computed: &computed)
        #expect(computed == 13)
    }

    @Test func clearForgetsTheValue() {
        var cache = BearerDigestCache()
        var computed = 0
        _ = digest(&cache, Self.key, computed: &computed)
        cache.clear()
        #expect(digest(&cache, Self.key, computed: &computed) == expected(Self.key))
        #expect(computed == 2)
    }
}
