/// Why an exchange with the upstream failed before its response head reached the client.
public enum UpstreamError: Error, Sendable, Hashable {
    /// Could not connect (refused, unreachable, resolution failed).
    case connectFailed(String)
    /// Connecting took longer than `upstream_connect_timeout`.
    case connectTimedOut
    /// No response head within `upstream_idle_timeout`.
    case responseTimedOut
    /// The upstream closed or reset the connection before a complete response head.
    case closedBeforeResponse
    /// The upstream's response head was not valid HTTP/1.1.
    case invalidResponse(HTTPParserError)

    /// The OpenAI-shaped error the client receives.
    public var clientError: OpenAIError {
        switch self {
        case let .connectFailed(detail): .upstreamUnavailable(detail)
        case .connectTimedOut: .upstreamTimeout("connect timed out")
        case .responseTimedOut: .upstreamTimeout("no response")
        case .closedBeforeResponse: .upstreamUnavailable("connection closed before a response")
        case let .invalidResponse(error): .upstreamUnavailable("invalid response: \(error.message)")
        }
    }

    /// A short reason for logs and usage records.
    public var reason: String {
        switch self {
        case .connectFailed: UsageReason.upstreamUnreachable
        case .connectTimedOut: UsageReason.upstreamConnectTimeout
        case .responseTimedOut: UsageReason.upstreamTimeout
        case .closedBeforeResponse: UsageReason.upstreamClosed
        case .invalidResponse: UsageReason.upstreamInvalidResponse
        }
    }
}
