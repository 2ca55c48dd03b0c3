/// A parsed, validated request head.
public struct HTTPRequestHead: Sendable, Hashable {
    /// The method token, e.g. `POST`, exactly as sent (methods are case-sensitive).
    public var method: String
    /// The request-target exactly as sent (origin-form, or `*`); never normalised.
    public var target: String
    public var version: HTTPVersion
    /// Every field in arrival order.
    public var headers: HTTPHeaders
    /// How the body is framed; decided by the parser from `Content-Length`/`Transfer-Encoding`.
    public var framing: HTTPBodyFraming
    /// Whether the connection may stay open after this exchange (version and `Connection`).
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` and waits for an interim response.
    public var expectsContinue: Bool

    public init(
        method: String, target: String, version: HTTPVersion, headers: HTTPHeaders,
        framing: HTTPBodyFraming, keepAlive: Bool, expectsContinue: Bool
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }
}
