/// A value bound to a statement parameter or read back from a column, one case per SQLite storage class.
///
/// Literals work directly: `[42, "text", 1.5, nil, true]`. `Bool` is stored as the integer 0 or 1.
public enum SQLiteValue: Sendable, Hashable {
    /// A 64-bit signed integer.
    case integer(Int64)
    /// An IEEE double. SQLite stores NaN as NULL.
    case real(Double)
    /// UTF-8 text; embedded NUL bytes are kept.
    case text(String)
    /// Raw bytes; an empty array stays an empty blob (not NULL).
    case blob([UInt8])
    /// SQL NULL.
    case null

    /// `.integer`.
    public init(_ value: Int) { self = .integer(Int64(value)) }
    /// `.integer`.
    public init(_ value: Int64) { self = .integer(value) }
    /// `.real`.
    public init(_ value: Double) { self = .real(value) }
    /// `.integer(1)` or `.integer(0)`.
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }
    /// `.text`, or `.null` for nil.
    public init(_ value: String?) { self = value.map(SQLiteValue.text) ?? .null }
    /// `.blob`.
    public init(_ value: [UInt8]) { self = .blob(value) }
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self.init(value) }
}

extension SQLiteValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}
