/// How one forwarded exchange ended (the proxy logs it; metering records it).
public enum ExchangeOutcome: Sendable, Hashable {
    /// The whole response reached the client.
    case completed(status: Int, keepClientOpen: Bool)
    /// The upstream failed before a response head: the client has not been answered yet.
    case failedBeforeResponse(UpstreamError)
    /// The client went away (before or during the response); the upstream was closed at once.
    case clientGone(status: Int?)
    /// The upstream broke off (or went silent) mid-response; the client's response was cut
    /// short by closing the connection, so it sees an error, not a truncated success.
    case upstreamCut(status: Int, reason: String)
}
