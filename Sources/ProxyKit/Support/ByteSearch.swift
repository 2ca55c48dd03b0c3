/// Finds bytes eight at a time (SWAR: one 64-bit word holds eight bytes). The SSE scanner calls
/// these once per line and per JSON quote of every streamed event, where short spans make a
/// `memchr` call cost more than the search itself.
enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let lowSeven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// The high bit of each byte of `word` that is zero, exactly (no borrow crosses bytes, so
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

    /// The index of the first `a` or `b` at or after `start` in `p`, or `p.count` when there is none.
    @inline(__always)
    static func firstIndex(of a: UInt8, or b: UInt8, in p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = p.count
        var i = start
        let patternA = ones &* UInt64(a)
        let patternB = ones &* UInt64(b)
        while i + 8 <= n {
            let w = word(p, i)
            let hits = zeroBytes(w ^ patternA) | zeroBytes(w ^ patternB)
            if hits != 0 { return i + hits.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n, p[i] != a, p[i] != b { i += 1 }
        return i
    }
}
