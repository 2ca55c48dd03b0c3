/// SHA-256 as specified in FIPS 180-4 §6.2, with no Foundation or CryptoKit dependency.
///
/// Use the one-shot helpers for short inputs:
///
///     let digest = SHA256.hash("abc")     // 32 bytes
///     let text = SHA256.hex(digest)       // "ba7816bf…f20015ad"
///
/// or feed bytes incrementally and call `finalize()` once:
///
///     var hasher = SHA256()
///     hasher.update(head)
///     hasher.update(body)
///     let digest = hasher.finalize()
///
/// Whole 64-byte blocks are compressed straight from the caller's memory; only a partial
/// trailing block is copied into fixed inline storage, so hashing allocates nothing except the
/// returned digest. The message length is tracked as a 64-bit count, as FIPS 180-4 §5.1.1 requires.
public struct SHA256: Sendable {
    /// The size of a digest in bytes (256 bits).
    public static let digestByteCount = 32

    /// The size of one message block in bytes (512 bits).
    static let blockByteCount = 64

    /// The eight 32-bit words of the intermediate hash value H (FIPS 180-4 §6.2).
    private var state = State()
    /// Inline storage for a partial block: 64 bytes, of which `pendingCount` are in use.
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// How many bytes of `pending` hold message bytes not yet compressed (0..<64).
    private var pendingCount = 0
    /// The total message length so far, in bytes.
    private var messageByteCount: UInt64 = 0

    /// Creates a hasher with the FIPS 180-4 §5.3.3 initial hash value.
    public init() {}

    /// Appends the bytes in `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let count = bytes.count
        self.messageByteCount &+= UInt64(count)
        var offset = 0

        // Top up a partial block first.
        if self.pendingCount > 0 {
            let start = self.pendingCount
            let taken = Swift.min(Self.blockByteCount - start, count)
            withUnsafeMutableBytes(of: &self.pending) { storage in
                (storage.baseAddress! + start).copyMemory(from: base, byteCount: taken)
            }
            self.pendingCount = start + taken
            offset = taken
            guard self.pendingCount == Self.blockByteCount else { return }
            let block = self.pending
            withUnsafeBytes(of: block) { self.state.compress($0) }
            self.pendingCount = 0
        }

        // Compress whole blocks in place.
        while count - offset >= Self.blockByteCount {
            self.state.compress(UnsafeRawBufferPointer(start: base + offset, count: Self.blockByteCount))
            offset += Self.blockByteCount
        }

        // Keep the tail for later.
        let remaining = count - offset
        if remaining > 0 {
            withUnsafeMutableBytes(of: &self.pending) { storage in
                storage.baseAddress!.copyMemory(from: base + offset, byteCount: remaining)
            }
            self.pendingCount = remaining
        }
    }

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.update($0) }
    }

    /// Appends the UTF-8 encoding of `string` to the message.
    public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { self.update(UnsafeRawBufferPointer($0)) }
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the 32-byte digest.
    ///
    /// Consumes the hasher: the padding is part of its state, so it cannot be reused afterwards.
    public consuming func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { digest, initialized in
            finalize(into: UnsafeMutableRawBufferPointer(digest))
            initialized = Self.digestByteCount
        }
    }

    /// `finalize()` into caller-provided memory of at least 32 bytes (no array).
    consuming func finalize(into raw: UnsafeMutableRawBufferPointer) {
        precondition(raw.count >= Self.digestByteCount, "Internal inconsistency: a digest needs 32 bytes")
        let bitLength = self.messageByteCount &* 8
        // A 1 bit, then zeros up to 56 mod 64, then the 64-bit big-endian length. When fewer than
        // nine bytes are free in the current block, the padding spills into one more block.
        let zeroCount = self.pendingCount < 56 ? 55 - self.pendingCount : 119 - self.pendingCount
        var padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &padding) { bytes in
            bytes[0] = 0x80
            bytes.storeBytes(of: bitLength.bigEndian, toByteOffset: 1 + zeroCount, as: UInt64.self)
        }
        withUnsafeBytes(of: padding) { bytes in
            self.update(UnsafeRawBufferPointer(rebasing: bytes[..<(1 + zeroCount + 8)]))
        }
        assert(self.pendingCount == 0)

        let state = self.state
        raw.storeBytes(of: state.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
        raw.storeBytes(of: state.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
        raw.storeBytes(of: state.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
        raw.storeBytes(of: state.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
        raw.storeBytes(of: state.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
        raw.storeBytes(of: state.h5.bigEndian, toByteOffset: 20, as: UInt32.self)
        raw.storeBytes(of: state.h6.bigEndian, toByteOffset: 24, as: UInt32.self)
        raw.storeBytes(of: state.h7.bigEndian, toByteOffset: 28, as: UInt32.self)
    }

    /// Returns the SHA-256 digest (32 bytes) of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Returns the SHA-256 digest (32 bytes) of the UTF-8 encoding of `string`.
    public static func hash(_ string: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(string)
        return hasher.finalize()
    }

    /// Formats `digest` (or any bytes) as lowercase hexadecimal, two characters per byte.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: digest.count * 2) { output in
            digits.withUTF8Buffer { digits in
                for (index, byte) in digest.enumerated() {
                    output[2 * index] = digits[Int(byte >> 4)]
                    output[2 * index + 1] = digits[Int(byte & 0x0F)]
                }
            }
            return digest.count * 2
        }
    }
}

extension SHA256 {
    /// The intermediate hash value H⁽ⁱ⁾ and the compression function that advances it.
    private struct State: Sendable {
        var h0: UInt32 = 0x6a09_e667
        var h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372
        var h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f
        var h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab
        var h7: UInt32 = 0x5be0_cd19

        /// The 64 round constants K (FIPS 180-4 §4.2.2).
        static let roundConstants: [UInt32] = [
            0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
            0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
            0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
            0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
            0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
            0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
            0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
            0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
        ]

        /// One round (FIPS 180-4 §6.2.2 step 3) on variables named by role: `d` becomes the new
        /// `e` and `h` the new `a`; the caller rotates the roles for the next round.
        @inline(__always)
        static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
            let bigSigma1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ bigSigma1 &+ choose &+ kw
            let bigSigma0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            d &+= t1
            h = t1 &+ bigSigma0 &+ majority
        }

        /// Processes one 64-byte block (FIPS 180-4 §6.2.2); `block` must hold exactly 64 bytes.
        mutating func compress(_ block: UnsafeRawBufferPointer) {
            precondition(block.count == SHA256.blockByteCount)
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                // 1. The message schedule W₀…W₆₃.
                for t in 0..<16 {
                    w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t &* 4, as: UInt32.self))
                }
                for t in 16..<64 {
                    let w15 = w[t &- 15]
                    let w2 = w[t &- 2]
                    let sigma0 = w15.rotatedRight(7) ^ w15.rotatedRight(18) ^ (w15 >> 3)
                    let sigma1 = w2.rotatedRight(17) ^ w2.rotatedRight(19) ^ (w2 >> 10)
                    w[t] = w[t &- 16] &+ sigma0 &+ w[t &- 7] &+ sigma1
                }

                // 2–3. Sixty-four rounds over the working variables.
                var a = self.h0
                var b = self.h1
                var c = self.h2
                var d = self.h3
                var e = self.h4
                var f = self.h5
                var g = self.h6
                var h = self.h7
                // Eight rounds per iteration with the variables' roles rotated instead of the
                // values shifted down (h = g, g = f, …): no register shuffling between rounds.
                Self.roundConstants.withUnsafeBufferPointer { k in
                    var t = 0
                    while t < 64 {
                        Self.round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                        Self.round(h, a, b, &c, d, e, f, &g, k[t &+ 1] &+ w[t &+ 1])
                        Self.round(g, h, a, &b, c, d, e, &f, k[t &+ 2] &+ w[t &+ 2])
                        Self.round(f, g, h, &a, b, c, d, &e, k[t &+ 3] &+ w[t &+ 3])
                        Self.round(e, f, g, &h, a, b, c, &d, k[t &+ 4] &+ w[t &+ 4])
                        Self.round(d, e, f, &g, h, a, b, &c, k[t &+ 5] &+ w[t &+ 5])
                        Self.round(c, d, e, &f, g, h, a, &b, k[t &+ 6] &+ w[t &+ 6])
                        Self.round(b, c, d, &e, f, g, h, &a, k[t &+ 7] &+ w[t &+ 7])
                        t &+= 8
                    }
                }

                // 4. The next intermediate hash value.
                self.h0 &+= a
                self.h1 &+= b
                self.h2 &+= c
                self.h3 &+= d
                self.h4 &+= e
                self.h5 &+= f
                self.h6 &+= g
                self.h7 &+= h
            }
        }
    }
}

extension UInt32 {
    /// Rotates right by `count` bits (ROTR in FIPS 180-4 §3.2); `count` must be in 1..<32.
    @inline(__always)
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
        (self &>> count) | (self &<< (32 &- count))
    }
}
