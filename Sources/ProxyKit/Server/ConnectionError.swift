/// Why reading a request from a client stopped.
public enum ConnectionError: Error, Sendable, Hashable {
    /// The bytes broke HTTP/1.1's rules: answer `error.status` and close.
    case malformed(HTTPParserError)
    /// The head or body did not arrive in time: answer 408 and close.
    case timedOut
    /// The client went away.
    case clientGone
}
