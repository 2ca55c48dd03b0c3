import Testing
@testable import ProxyKit

struct ByteSearchTests {
    /// The naive answer: the first index at or after `start` whose byte is in `targets`.
    func naive(_ bytes: [UInt8], _ targets: [UInt8], from start: Int) -> Int {
        var i = start
        while i < bytes.count, !targets.contains(bytes[i]) { i += 1 }
        return i
    }

    func search(_ bytes: [UInt8], _ targets: [UInt8], from start: Int) -> Int {
        bytes.withUnsafeBufferPointer { p in
            targets.count == 1
                ? ByteSearch.firstIndex(of: targets[0], in: p, from: start)
                : ByteSearch.lineEnd(in: p, from: start)
        }
    }

    /// Every length up to three words, every start, a match at every position (or none), and
    /// fillers that differ from the target by one bit, by one, or in the high bit: the bytes a
    /// word-at-a-time test could mistake for a match.
    @Test func agreesWithAByteLoopEverywhere() {
        for targets: [UInt8] in [[0x22], [0x0A, 0x0D], [0x0D, 0x0A], [0x00], [0xFF]] {
            let t = targets[0]
            let fillers: [UInt8] = [t ^ 0x01, t &+ 1, t &- 1, t ^ 0x80, 0x00, 0xFF, 0x01, 0x7F, 0x80].filter { !targets.contains($0) }
            for filler in fillers {
                for length in 0...25 {
                    for matchAt in [nil] + (0..<length).map(Optional.some) {
                        var bytes = [UInt8](repeating: filler, count: length)
                        if let matchAt { bytes[matchAt] = targets.last! }
                        for start in 0...length {
                            #expect(search(bytes, targets, from: start) == naive(bytes, targets, from: start),
                                    "targets \(targets) filler \(filler) length \(length) match \(String(describing: matchAt)) start \(start)")
                        }
                    }
                }
            }
        }
    }

    @Test func randomBuffersWithSeveralMatches() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...70, using: &rng)
            // A small alphabet, so matches are frequent and near-misses sit beside them.
            let alphabet: [UInt8] = [0x0A, 0x0B, 0x0D, 0x0C, 0x22, 0x23, 0x21, 0xA2, 0x00]
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            let start = Int.random(in: 0...length, using: &rng)
            for targets: [UInt8] in [[0x22], [0x0A, 0x0D], [0x00]] {
                // Two targets are the line ends (LF, CR) in either role.
                #expect(search(bytes, targets, from: start) == naive(bytes, targets, from: start))
            }
        }
    }
}

/// The below-or-equal search (header values' control bytes) against a byte loop: every byte
/// value at every position of every length up to three words, every start, over fillers next to
/// the limits (0x20, 0x1F's neighbours, 0x7E, 0x80, 0xFF).
struct ByteSearchBelowOrEqualTests {
    @Test func agreesWithAByteLoopEverywhere() {
        func naive(_ bytes: [UInt8], from start: Int) -> Int {
            var i = start
            while i < bytes.count, bytes[i] >= 0x20, bytes[i] != 0x7F { i += 1 }
            return i
        }
        for filler: UInt8 in [0x20, 0x21, 0x7E, 0x80, 0xA0, 0xFF] {
            for length in 0...24 {
                for position in 0..<max(length, 1) {
                    for byte in UInt8.min...UInt8.max {
                        var bytes = [UInt8](repeating: filler, count: length)
                        if length > 0 { bytes[position] = byte }
                        for start in Set([0, position, length]) where start <= length {
                            let found = bytes.withUnsafeBufferPointer {
                                ByteSearch.firstIndex(below: 0x20, orEqualTo: 0x7F, in: $0, from: start, to: length)
                            }
                            if found != naive(bytes, from: start) {
                                Issue.record("filler \(filler) length \(length) byte \(byte) at \(position) start \(start): \(found)")
                                return
                            }
                        }
                        if length == 0 { break }
                    }
                }
            }
        }
    }
}

struct ByteSearchWordTests {
    func word(_ text: String) -> UInt64 {
        Array(text.utf8).withUnsafeBufferPointer { ByteSearch.paddedWord($0, at: 0) }
    }

    @Test func paddedWordsReadLittleEndianAndZeroPastTheEnd() {
        let bytes: [UInt8] = Array(1...12)
        bytes.withUnsafeBufferPointer { p in
            #expect(ByteSearch.paddedWord(p, at: 0) == 0x0807_0605_0403_0201)
            #expect(ByteSearch.paddedWord(p, at: 4) == 0x0C0B_0A09_0807_0605)
            #expect(ByteSearch.paddedWord(p, at: 5) == 0x000C_0B0A_0908_0706)
            #expect(ByteSearch.paddedWord(p, at: 11) == 0x0C)
            #expect(ByteSearch.paddedWord(p, at: 12) == 0)
        }
    }

    @Test func theQuickCheckKeyWordsSpellTheirKeys() {
        #expect(SSEEventInspector.contentWord == word("content\""))
        #expect(SSEEventInspector.usageWord == word("usage\""))
        #expect(SSEEventInspector.errorWord == word("error\""))
        #expect(SSEEventInspector.textWord == word("text\""))
        #expect(SSEEventInspector.toolCalWord == word("tool_cal"))
        #expect(SSEEventInspector.reasoninWord == word("reasonin"))
    }

    @Test func keysAfterAQuote() {
        func key(_ text: String) -> SSEEventInspector.QuickKey? {
            Array(text.utf8).withUnsafeBufferPointer { SSEEventInspector.key(in: $0, afterQuoteAt: 0) }
        }
        #expect(key(#""content":"#) == .content(7))
        #expect(key(#""content""#) == .content(7))
        #expect(key(#""contents""#) == nil)
        #expect(key(#""conten"#) == nil)
        #expect(key(#""text""#) == .content(4))
        #expect(key(#""text_offset""#) == nil)
        #expect(key(#""tool_calls""#) == .content(10))
        #expect(key(#""tool_call""#) == nil)
        #expect(key(#""reasoning""#) == .content(9))
        #expect(key(#""reasoning_content""#) == .content(17))
        #expect(key(#""reasoning_conten""#) == nil)
        #expect(key(#""usage""#) == .usageOrError)
        #expect(key(#""error""#) == .usageOrError)
        #expect(key(#""usages""#) == nil)
        #expect(key(#""role""#) == nil)
        #expect(key("\"") == nil)
    }
}
