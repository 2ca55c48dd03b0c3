/// The client-side limits one connection enforces (from `ProxyConfiguration`).
public struct ServerTimeouts: Sendable, Hashable {
    /// Seconds for a whole request head. Default 10.
    public var header: Double = 10
    /// Seconds between body bytes. Default 15.
    public var bodyIdle: Double = 15
    /// Seconds for a whole body. Default 60.
    public var body: Double = 60
    /// Seconds an idle keep-alive connection is kept. Default 60.
    public var keepAlive: Double = 60
    /// Seconds a client may make no progress reading our writes. Default 60.
    public var write: Double = 60
    /// Requests served per connection. Default 1000.
    public var maxRequestsPerConnection: Int = 1000
    /// After an error response: bytes and seconds to read and discard before closing
    /// (RFC 9112 §9.6), so the client sees our response instead of a reset.
    public var lingerBytes: Int = 64 * 1024
    public var lingerSeconds: Double = 5

    public init() {}

    public init(_ config: ProxyConfiguration) {
        header = config.headerTimeout
        bodyIdle = config.bodyIdleTimeout
        body = config.bodyTimeout
        keepAlive = config.keepAliveTimeout
        write = config.writeTimeout
        maxRequestsPerConnection = config.maxRequestsPerConnection
    }
}
