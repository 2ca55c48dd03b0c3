/// A parsed response head (from the upstream).
public struct HTTPResponseHead: Sendable, Hashable {
    public var version: HTTPVersion
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders
    /// How the body is framed, given the request method (HEAD, 1xx, 204 and 304 have none).
    public var framing: HTTPBodyFraming
    /// Whether the upstream lets the connection be reused after this response.
    public var keepAlive: Bool

    public init(
        version: HTTPVersion, status: Int, reason: String, headers: HTTPHeaders,
        framing: HTTPBodyFraming, keepAlive: Bool
    ) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
    }
}
