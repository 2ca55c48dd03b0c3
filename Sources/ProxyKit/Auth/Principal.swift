/// Who a request is from: established by the key, never by a client header.
public struct Principal: Sendable, Hashable {
    public var user: String
    /// The key's public id.
    public var keyID: String
    public var policy: UserPolicy
}

/// The outcome of checking a request's `Authorization`.
public enum AuthResult: Sendable, Hashable {
    case authenticated(Principal)
    /// No `Authorization` field.
    case missing
    /// Not `Bearer <key>`, or an unknown, revoked or expired key.
    case invalid
    /// More than one `Authorization` field: a malformed request (400).
    case ambiguous
}
