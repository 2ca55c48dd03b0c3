/// The six kinds of JSON value (RFC 8259 §3). `true` and `false` are both `bool`.
public enum JSONValueKind: Sendable, Hashable {
    /// `{ … }`
    case object
    /// `[ … ]`
    case array
    /// `"…"`
    case string
    /// `-1.5e3` and friends.
    case number
    /// `true` or `false`.
    case bool
    /// `null`
    case null
}
