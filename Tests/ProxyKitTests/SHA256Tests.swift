import Testing

@testable import ProxyKit

struct SHA256Tests {
    /// The 448-bit two-block message from FIPS 180-4's examples (padding spills into a second block).
    static let message448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

    /// The 896-bit message from the NIST SHA-256 test vectors.
    static let message896 =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

    /// A named test message, so parameterized test cases print the name instead of every byte.
    struct Message: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { self.name }

        static let abc = Message(name: "abc", bytes: Array("abc".utf8))
        static let bits448 = Message(name: "448-bit", bytes: Array(message448.utf8))
        static let bits896 = Message(name: "896-bit", bytes: Array(message896.utf8))
        static let pattern200 = Message(name: "pattern(200)", bytes: pattern(200))
    }

    /// The bytes `(i * 7 + 3) % 256` for `i` in `0..<count`.
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    }

    /// SHA-256 of `pattern(n)`, generated with Python's `hashlib.sha256` and checked in here.
    /// The lengths straddle the 55/56-byte padding boundary and the 64-byte block boundary.
    static let patternDigests: [(Int, String)] = [
        (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (1, "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5"),
        (55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"),
        (56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"),
        (63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"),
        (64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"),
        (65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"),
        (119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"),
        (120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"),
        (127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07"),
        (128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"),
        (129, "307f8fc2c1622b92762e818d39a185d4d667ad49a4b07ceae1f4afa008a93ec4"),
        (200, "2c7e18c942ef065b526a2d4e5546283749cd3ddfb51d8fc71f42717363685f46"),
    ]

    // MARK: - FIPS 180-4 / NIST vectors

    @Test func hashesEmptyMessage() {
        #expect(
            SHA256.hex(SHA256.hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash([]) == SHA256.hash(""))
    }

    @Test func hashesABC() {
        #expect(
            SHA256.hex(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hashes448BitMessage() {
        #expect(
            SHA256.hex(SHA256.hash(Self.message448))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func hashes896BitMessage() {
        #expect(
            SHA256.hex(SHA256.hash(Self.message896))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func hashesOneMillionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)

        // The same message fed in uneven pieces that never line up with the 64-byte blocks.
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var remaining = 1_000_000
        while remaining > 0 {
            let count = Swift.min(remaining, piece.count)
            hasher.update(Array(piece[..<count]))
            remaining -= count
        }
        #expect(SHA256.hex(hasher.finalize()) == expected)
    }

    // MARK: - Lengths around the padding and block boundaries

    @Test(arguments: Self.patternDigests)
    func matchesHashlibForLength(_ count: Int, _ expected: String) {
        let message = Self.pattern(count)
        let digest = SHA256.hash(message)
        #expect(digest.count == 32)
        #expect(SHA256.hex(digest) == expected)
    }

    // MARK: - Incremental hashing

    @Test(arguments: [Message.abc, .bits448, .bits896, .pattern200])
    func splittingAtEveryPositionMatchesOneShot(_ message: Message) {
        let message = message.bytes
        let expected = SHA256.hash(message)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(Array(message[..<split]))
            hasher.update(Array(message[split...]))
            #expect(hasher.finalize() == expected, "split at \(split)")
        }
    }

    @Test(arguments: [Message.bits896, .pattern200])
    func splittingIntoThreePiecesMatchesOneShot(_ message: Message) {
        let message = message.bytes
        let expected = SHA256.hash(message)
        for first in stride(from: 0, through: message.count, by: 7) {
            for second in first...message.count {
                var hasher = SHA256()
                hasher.update(Array(message[..<first]))
                hasher.update(Array(message[first..<second]))
                hasher.update(Array(message[second...]))
                #expect(hasher.finalize() == expected, "split at \(first) and \(second)")
            }
        }
    }

    @Test func feedingOneByteAtATimeMatchesOneShot() {
        let message = Self.pattern(200)
        var hasher = SHA256()
        for byte in message {
            hasher.update([byte])
        }
        #expect(SHA256.hex(hasher.finalize()) == "2c7e18c942ef065b526a2d4e5546283749cd3ddfb51d8fc71f42717363685f46")
    }

    @Test func rawBufferAndStringUpdatesMatchArrayUpdates() {
        var hasher = SHA256()
        hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
        hasher.update("abcdbcdecdefdefg")
        [UInt8]("efghfghighijhijkijkljklmklmn".utf8).withUnsafeBytes { hasher.update($0) }
        hasher.update([])
        hasher.update("lmnomnopnopq")
        #expect(hasher.finalize() == SHA256.hash(Self.message448))
    }

    @Test func hashesStringsAsUTF8() {
        let text = "zażółć 🦊"
        #expect(SHA256.hash(text) == SHA256.hash(Array(text.utf8)))
    }

    // MARK: - Hex

    @Test func hexIsLowercaseTwoDigitsPerByte() {
        #expect(SHA256.hex([0x00, 0x0F, 0xA0, 0xAB, 0xFF]) == "000fa0abff")
        #expect(SHA256.hex([]) == "")
    }
}
