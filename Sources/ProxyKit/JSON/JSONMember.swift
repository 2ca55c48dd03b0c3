/// One `"key": value` pair of a JSON object, in document order. Duplicate keys are kept, one
/// member each; RFC 8259 leaves their meaning open, so callers decide (a proxy usually rejects).
public struct JSONMember: Sendable, Hashable {
    /// The key with its escapes decoded (lone surrogate escapes become U+FFFD).
    public var key: String
    /// The key's bytes in the input, quotes included.
    public var keyRange: Range<Int>
    /// The member's value.
    public var value: JSONValueRef

    /// A member named `key` found at `keyRange`, with `value`.
    public init(key: String, keyRange: Range<Int>, value: JSONValueRef) {
        self.key = key
        self.keyRange = keyRange
        self.value = value
    }
}
