/// How one forwarded exchange ended (the proxy logs and meters it).
public enum ExchangeOutcome: Sendable, Hashable {
    /// The whole response reached the client.
    case completed(MeteredResponse, keepClientOpen: Bool)
    /// The upstream failed before a response head: the client has not been answered yet.
    case failedBeforeResponse(UpstreamError)
    /// The client went away (before the response head: nil); the upstream was closed at once.
    case clientGone(MeteredResponse?)
    /// The upstream broke off (or went silent) mid-response; the client's response was cut
    /// short by closing the connection, so it sees an error, not a truncated success.
    case upstreamCut(MeteredResponse, reason: String)
}
