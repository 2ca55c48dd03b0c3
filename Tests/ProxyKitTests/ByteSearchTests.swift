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
                : ByteSearch.firstIndex(of: targets[0], or: targets[1], in: p, from: start)
        }
    }

    /// Every length up to three words, every start, a match at every position (or none), and
    /// fillers that differ from the target by one bit, by one, or in the high bit: the bytes a
    /// word-at-a-time test could mistake for a match.
    @Test func agreesWithAByteLoopEverywhere() {
        for targets: [UInt8] in [[0x22], [0x0A, 0x0D], [0x00], [0xFF], [0x80, 0x7F]] {
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
                #expect(search(bytes, targets, from: start) == naive(bytes, targets, from: start))
            }
        }
    }
}
