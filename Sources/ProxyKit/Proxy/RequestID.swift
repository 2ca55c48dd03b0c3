import CLinuxShims
import Synchronization

/// Request ids: the client's `X-Request-Id` when it is short and plain, otherwise a new
/// random 128-bit hex id. The id is sent upstream, returned to the client and logged.
public enum RequestID {
    /// Longest client-supplied id accepted.
    static let maxLength = 128

    public static func make(from headers: HTTPHeaders) -> String {
        if let index = headers.firstIndex(ofName: "X-Request-Id") {
            let given = headers.value(at: index)
            if isAcceptable(given) { return given }
        }
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

    /// Random bytes fetched 4 KiB at a time: one getrandom(2) per 256 ids instead of one per
    /// request. Ids only need to be unique and unguessable, and the bytes are used once each.
    private static let randomPool = Mutex<RandomPool>(RandomPool())

    struct RandomPool {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var used = 4096

        mutating func take16() -> (UInt64, UInt64) {
            if used + 16 > bytes.count {
                let filled = bytes.withUnsafeMutableBytes { ds4_getrandom($0.baseAddress, UInt($0.count)) }
                if filled != bytes.count {
                    var generator = SystemRandomNumberGenerator()
                    return (generator.next(), generator.next())
                }
                used = 0
            }
            defer { used += 16 }
            return bytes.withUnsafeBytes {
                ($0.loadUnaligned(fromByteOffset: used, as: UInt64.self), $0.loadUnaligned(fromByteOffset: used + 8, as: UInt64.self))
            }
        }
    }

    public static func generate() -> String {
        let random = randomPool.withLock { $0.take16() }
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
