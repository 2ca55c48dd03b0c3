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
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 32)
        for half in 0..<2 {
            var value = generator.next()
            for i in 0..<16 {
                out[half * 16 + i] = digits[Int(value & 0xF)]
                value >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
