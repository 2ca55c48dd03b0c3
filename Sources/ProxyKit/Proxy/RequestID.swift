import CLinuxShims

/// Request ids: the client's `X-Request-Id` when it is short and plain, otherwise a new
/// random 128-bit hex id. The id is sent upstream, returned to the client and logged.
public enum RequestID {
    /// Longest client-supplied id accepted.
    static let maxLength = 128

    public static func make(from headers: HTTPHeaders) -> String {
        if let given = headers[first: "X-Request-Id"], isAcceptable(given) { return given }
        return generate()
    }

    /// 1–128 bytes of `[A-Za-z0-9._:-]`.
    public static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x3A || b == 0x2D
        }
    }

    public static func generate() -> String {
        // One getrandom(2) for all 128 bits (SystemRandomNumberGenerator makes one per 64).
        var random = (UInt64(0), UInt64(0))
        let filled = withUnsafeMutableBytes(of: &random) { ds4_getrandom($0.baseAddress, 16) }
        if filled != 16 {
            var generator = SystemRandomNumberGenerator()
            random = (generator.next(), generator.next())
        }
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 32) { out in
            digits.withUTF8Buffer { hex in
                for (half, word) in [random.0, random.1].enumerated() {
                    var value = word
                    for i in 0..<16 {
                        out[half * 16 + i] = hex[Int(value & 0xF)]
                        value >>= 4
                    }
                }
            }
            return 32
        }
    }
}
