/// What a parser produced from the bytes it has. `nil` from `next()` means "need more bytes".
public enum HTTPParserEvent<Head: Sendable>: Sendable {
    /// A complete, validated head. Body events (if any) follow.
    case head(Head)
    /// Some decoded body bytes (chunk framing already removed).
    case body([UInt8])
    /// The message is complete; `trailers` holds chunked trailer fields (usually empty).
    case end(trailers: HTTPHeaders)
}
