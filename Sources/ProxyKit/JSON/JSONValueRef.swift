/// Where one JSON value sits in a `JSONScanner`'s input. Nothing is decoded: read it with the
/// scanner's accessors (`string(_:)`, `int(_:)`, `members(of:)`, …) or splice bytes around `range`.
public struct JSONValueRef: Sendable, Hashable {
    /// What the value is.
    public var kind: JSONValueKind
    /// The value's bytes in the input, without surrounding whitespace; a string's range includes
    /// its quotes and a container's range its brackets.
    public var range: Range<Int>

    /// A reference to the value of `kind` at `range`.
    public init(kind: JSONValueKind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }
}
