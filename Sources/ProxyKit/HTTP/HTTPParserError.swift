/// Why an HTTP/1.x message was rejected. One case per rule, so tests and logs can tell them apart.
///
/// `status` is the response a server sends when a *request* breaks the rule. Errors raised by
/// `HTTPResponseParser` are the upstream's fault; a proxy answers those with 502 instead.
public enum HTTPParserError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request line is not `method SP request-target SP HTTP-version`, or too many empty
    /// lines preceded it.
    case invalidRequestLine
    /// The request line is longer than `HTTPParserLimits.maxStartLineBytes` (414).
    case requestLineTooLong
    /// A well-formed version other than HTTP/1.0 or HTTP/1.1 (505).
    case unsupportedVersion
    /// The request-target is in absolute-form (`http://host/path`); only origin-form is served.
    case absoluteFormTarget
    /// The request-target has bytes outside 0x21–0x7E or does not start with `/` (nor is `*`).
    case invalidTarget
    /// The method is not a token.
    case invalidMethod
    /// A CR not followed by LF.
    case bareCR
    /// An LF not preceded by CR.
    case bareLF
    /// A header line starting with a space or tab (obs-fold, RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A header name that is empty or not a token, or a line without a colon.
    case invalidHeaderName
    /// A header value containing NUL or a control character other than HTAB.
    case invalidHeaderValue
    /// One header line is longer than `HTTPParserLimits.maxHeaderLineBytes` (431).
    case headerLineTooLong
    /// The header block is larger than `HTTPParserLimits.maxHeaderBlockBytes` (431).
    case headerBlockTooLarge
    /// More fields than `HTTPParserLimits.maxHeaderCount` (431).
    case tooManyHeaders
    /// An HTTP/1.1 request without a `Host` field.
    case missingHost
    /// A request with more than one `Host` field.
    case duplicateHost
    /// Both `Content-Length` and `Transfer-Encoding` (a request-smuggling vector).
    case contentLengthWithTransferEncoding
    /// More than one `Content-Length` value (repeated fields or a comma list).
    case duplicateContentLength
    /// A `Content-Length` that is empty, not all digits, or too large for `Int`.
    case invalidContentLength
    /// A `Transfer-Encoding` other than exactly one `chunked`, or one on an HTTP/1.0 message.
    case unsupportedTransferEncoding
    /// A chunk-size line that is not `1*HEXDIG [chunk-ext]`.
    case invalidChunkSize
    /// A chunk size too large for `Int`.
    case chunkSizeOverflow
    /// Chunk data not followed by exactly CRLF.
    case invalidChunkTerminator
    /// A chunk-size line longer than `HTTPParserLimits.maxChunkLineBytes`.
    case chunkLineTooLong
    /// The body is larger than `HTTPParserLimits.maxBodyBytes` (413).
    case bodyTooLarge
    /// The status line is not `HTTP-version SP 3DIGIT SP reason-phrase`.
    case invalidStatusLine
    /// The status line is longer than `HTTPParserLimits.maxStartLineBytes`.
    case statusLineTooLong
    /// The connection closed before the message was complete.
    case unexpectedEOF

    /// The HTTP status a server answers with (always with `Connection: close`).
    public var status: Int {
        switch self {
        case .requestLineTooLong: 414
        case .unsupportedVersion: 505
        case .headerLineTooLong, .headerBlockTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        default: 400
        }
    }

    /// A short sentence suitable for an error response body or a log line.
    public var message: String {
        switch self {
        case .invalidRequestLine: "Malformed request line."
        case .requestLineTooLong: "Request line is too long."
        case .unsupportedVersion: "HTTP version not supported."
        case .absoluteFormTarget: "Absolute-form request targets are not supported."
        case .invalidTarget: "Invalid request target."
        case .invalidMethod: "Invalid request method."
        case .bareCR: "Message contains a CR not followed by LF."
        case .bareLF: "Message contains an LF not preceded by CR."
        case .obsoleteLineFolding: "Header line folding is not allowed."
        case .invalidHeaderName: "Invalid header field name."
        case .invalidHeaderValue: "Invalid header field value."
        case .headerLineTooLong: "A header field is too large."
        case .headerBlockTooLarge: "Request header block is too large."
        case .tooManyHeaders: "Too many header fields."
        case .missingHost: "HTTP/1.1 request has no Host header."
        case .duplicateHost: "Request has more than one Host header."
        case .contentLengthWithTransferEncoding: "Request has both Content-Length and Transfer-Encoding."
        case .duplicateContentLength: "Request has more than one Content-Length."
        case .invalidContentLength: "Invalid Content-Length."
        case .unsupportedTransferEncoding: "Unsupported Transfer-Encoding."
        case .invalidChunkSize: "Invalid chunk size line."
        case .chunkSizeOverflow: "Chunk size is too large."
        case .invalidChunkTerminator: "Chunk data is not followed by CRLF."
        case .chunkLineTooLong: "Chunk size line is too long."
        case .bodyTooLarge: "Request body is too large."
        case .invalidStatusLine: "Malformed status line."
        case .statusLineTooLong: "Status line is too long."
        case .unexpectedEOF: "Connection closed before the message was complete."
        }
    }

    public var description: String { message }
}
