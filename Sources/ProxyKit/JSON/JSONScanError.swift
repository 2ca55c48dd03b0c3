/// Why `JSONScanner` rejected a document. Offsets are byte offsets into the scanned input.
public enum JSONScanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input ended inside a value (or held only whitespace).
    case unexpectedEnd
    /// A byte that cannot start or continue the grammar here: a stray character, a missing `,`
    /// or `:`, a trailing comma, a comment, a single quote, a BOM, raw non-ASCII outside strings.
    case unexpectedByte(offset: Int)
    /// A raw control byte (below 0x20) inside a string, at `offset`.
    case invalidString(offset: Int)
    /// A number that breaks the RFC 8259 §6 grammar (`01`, `1.`, `1e`, `-`); `offset` is the
    /// first byte that does not fit, which may equal the input's length.
    case invalidNumber(offset: Int)
    /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`; `offset` is the backslash.
    case invalidEscape(offset: Int)
    /// Bytes inside a string that are not well-formed UTF-8 (overlong, surrogate, above
    /// U+10FFFF, truncated, stray continuation); `offset` is the sequence's first byte.
    case invalidUTF8(offset: Int)
    /// An object or array opened at `offset` would nest deeper than the scanner's `maxDepth`.
    case tooDeep(offset: Int)
    /// Something other than whitespace follows the top-level value, starting at `offset`.
    case trailingBytes(offset: Int)
    /// The document is valid JSON but its top-level value is not an object.
    case notAnObject

    /// A one-line human-readable explanation.
    public var message: String {
        switch self {
        case .unexpectedEnd: "JSON ended unexpectedly."
        case .unexpectedByte(let offset): "Unexpected byte in JSON at offset \(offset)."
        case .invalidString(let offset): "Control character in JSON string at offset \(offset)."
        case .invalidNumber(let offset): "Invalid JSON number at offset \(offset)."
        case .invalidEscape(let offset): "Invalid escape in JSON string at offset \(offset)."
        case .invalidUTF8(let offset): "Invalid UTF-8 in JSON string at offset \(offset)."
        case .tooDeep(let offset): "JSON nested too deeply at offset \(offset)."
        case .trailingBytes(let offset): "Unexpected data after the JSON value at offset \(offset)."
        case .notAnObject: "The JSON document is not an object."
        }
    }

    /// Same as `message`.
    public var description: String { self.message }
}
