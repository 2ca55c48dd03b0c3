/// A collaborator's bearer key: `sk-ds4-` followed by 40 base62 characters from the system
/// CSPRNG (`getrandom`), about 238 bits. Only its SHA-256 is stored; its public id (the first 8
/// characters after the prefix) names it in lists and logs.
public struct APIKey: Sendable, Hashable {
    /// Every key starts with this.
    public static let prefix = "sk-ds4-"
    /// Random characters after the prefix.
    public static let randomLength = 40
    /// Characters of the public id.
    public static let idLength = 8
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The whole secret, shown once when issued.
    public let secret: String

    /// A new random key.
    public static func generate() -> APIKey {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    static func generate<G: RandomNumberGenerator>(using generator: inout G) -> APIKey {
        var out = Array(prefix.utf8)
        out.reserveCapacity(prefix.utf8.count + randomLength)
        while out.count < prefix.utf8.count + randomLength {
            // Rejection sampling keeps every character uniform: 248 = 4 × 62.
            let byte = UInt8.random(in: 0...255, using: &generator)
            if byte < 248 { out.append(alphabet[Int(byte % 62)]) }
        }
        return APIKey(secret: String(decoding: out, as: UTF8.self))
    }

    /// Parses a presented key; nil when it is not of the key format at all.
    public init?(presented text: String) {
        guard APIKey.isWellFormed(text) else { return nil }
        self.secret = text
    }

    private init(secret: String) { self.secret = secret }

    /// `sk-ds4-` + at least 32 base62 characters, and nothing else.
    public static func isWellFormed(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isWellFormed($0) }
    }

    /// `isWellFormed` over bytes: one pass, run on every authenticated request.
    static func isWellFormed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let head = prefix.utf8.count
        guard bytes.count >= head + 32, bytes.count <= head + 128, bytes.prefix(head).elementsEqual(prefix.utf8) else { return false }
        for b in bytes[head...] where !((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)) {
            return false
        }
        return true
    }

    /// The public id: the first 8 characters after the prefix.
    public var id: String {
        String(secret.dropFirst(APIKey.prefix.count).prefix(APIKey.idLength))
    }
}
