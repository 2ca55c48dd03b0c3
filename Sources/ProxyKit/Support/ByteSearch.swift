#if canImport(Glibc)
import Glibc
#endif

/// Finds bytes in the parsers' hot loops. JSON quotes sit a few bytes apart and header values
/// are short, so those searches go eight bytes at a time in a 64-bit word (SWAR), where a
/// `memchr` call would cost more than the search; SSE line ends sit hundreds of bytes apart,
/// where `memchr`'s vector loop wins.
enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let lowSeven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `word` that is zero, exactly (no carry crosses bytes, so
    /// bytes after a match are never falsely marked).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        ~(((word & lowSeven) &+ lowSeven) | word | lowSeven)
    }

    /// The eight bytes at `offset` as a word whose lowest byte is the first one.
    @inline(__always)
    private static func word(_ p: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p.baseAddress! + offset).loadUnaligned(as: UInt64.self))
    }

    /// The eight bytes at `offset` as a word whose lowest byte is the first one; bytes past the
    /// end of `p` read as zero.
    @inline(__always)
    static func paddedWord(_ p: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64 {
        if offset + 8 <= p.count { return word(p, offset) }
        var w: UInt64 = 0
        var k = p.count - 1
        while k >= offset {
            w = w << 8 | UInt64(p[k])
            k -= 1
        }
        return w
    }

    /// The index of the first `byte` at or after `start` in `p`, or `p.count` when there is none.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = p.count
        var i = start
        let pattern = ones &* UInt64(byte)
        while i + 8 <= n {
            let hits = zeroBytes(word(p, i) ^ pattern)
            if hits != 0 { return i + hits.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n, p[i] != byte { i += 1 }
        return i
    }

    /// The index of the first byte below `limit` (at most 0x80) or equal to `other` in
    /// `p[start..<end]`, or `end` when there is none. A word is passed over when it has
    /// neither; the word test is exact for "some byte" (a borrow can only mark bytes after a
    /// real hit), and the byte loop finds which one.
    @inline(__always)
    static func firstIndex(below limit: UInt8, orEqualTo other: UInt8, in p: UnsafeBufferPointer<UInt8>,
                           from start: Int, to end: Int) -> Int {
        var i = start
        let belowPattern = ones &* UInt64(limit)
        let otherPattern = ones &* UInt64(other)
        while i + 8 <= end {
            let w = word(p, i)
            if ((w &- belowPattern) & ~w & highs) | zeroBytes(w ^ otherPattern) != 0 { break }
            i += 8
        }
        while i < end, p[i] >= limit, p[i] != other { i += 1 }
        return i
    }

    /// The index of the first LF or CR at or after `start` in `p`, or `p.count` when there is
    /// none: `memchr` for the LF, then for a CR only before it (a CR is rare in SSE).
    @inline(__always)
    static func lineEnd(in p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = p.count
        guard start < n, let base = p.baseAddress else { return n }
        let origin = UnsafeRawPointer(base)
        let lf = memchr(base + start, 0x0A, n - start).map { origin.distance(to: $0) } ?? n
        guard lf > start, let cr = memchr(base + start, 0x0D, lf - start) else { return lf }
        return origin.distance(to: cr)
    }
}
