/// A stored key, without its secret (which is never stored).
public struct KeyRecord: Sendable, Hashable, Codable {
    /// The public id (first 8 characters after `sk-ds4-`).
    public var id: String
    public var user: String
    public var label: String?
    /// Unix seconds.
    public var created: Int
    public var expires: Int?
    public var revoked: Int?
    public var lastUsed: Int?

    enum CodingKeys: String, CodingKey {
        case id, user, label, created, expires, revoked
        case lastUsed = "last_used"
    }

    /// Whether the key authenticates at time `now` (Unix seconds).
    public func isActive(at now: Int) -> Bool {
        if let revoked, revoked <= now { return false }
        if let expires, expires <= now { return false }
        return true
    }
}
