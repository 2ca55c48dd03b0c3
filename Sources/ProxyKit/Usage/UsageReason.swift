/// The `reason` strings a usage record can carry, in one place so the proxy that writes them
/// and `usage-report` that classifies them agree. A record's reason is open-ended (upstream
/// error codes pass through, e.g. `stream_error_500`); these are the ones with a fixed meaning.
public enum UsageReason {
    // Rejected by the proxy before the upstream.
    public static let notFound = "not_found"
    public static let methodNotAllowed = "method_not_allowed"
    public static let invalidAPIKey = "invalid_api_key"
    public static let malformedRequest = "malformed_request"
    public static let invalidJSON = "invalid_json"
    public static let modelNotAllowed = "model_not_allowed"
    public static let requestTimeout = "request_timeout"
    public static let clientDisconnected = "client_disconnected"

    // The upstream failed or cut the response short.
    public static let upstreamError = "upstream_error"
    public static let upstreamUnreachable = "upstream_unreachable"
    public static let upstreamConnectTimeout = "upstream_connect_timeout"
    public static let upstreamTimeout = "upstream_timeout"
    public static let upstreamClosed = "upstream_closed"
    public static let upstreamInvalidResponse = "upstream_invalid_response"
    public static let upstreamInvalidBody = "upstream_invalid_body"
    public static let upstreamClosedMidResponse = "upstream_closed_mid_response"

    // A stream that ended without the upstream's usage (usage_source "estimated").
    public static let noUsageReported = "no_usage_reported"
    public static let streamIncomplete = "stream_incomplete"

    // Limits (rate, quota, context cap): the report classifies these before the proxy writes them.
    /// 429: the user's requests- or tokens-per-minute limit.
    public static let rateLimited = "rate_limited"
    /// 429: the user's daily token quota.
    public static let quotaExceeded = "quota_exceeded"
    /// 400: prompt + completion would exceed the user's context cap.
    public static let contextCapExceeded = "context_cap_exceeded"
    /// A served (2xx) request whose `max_tokens` the proxy clamped to what the cap leaves.
    public static let contextClamped = "context_clamped"
}
