/// Which column of the report a record counts in, from its status and reason. Every record is
/// a request; exactly one of these says what became of it.
enum RequestOutcome: UInt8, Sendable, Hashable {
    /// 2xx.
    case succeeded
    /// 5xx.
    case failed
    /// 401: no valid key.
    case unauthorized
    /// 403: the key may not use that model.
    case forbidden
    /// 429 with reason `rate_limited`.
    case rateLimited
    /// 429 with reason `quota_exceeded`.
    case quotaExceeded
    /// 400 with reason `context_cap_exceeded`.
    case overContextCap
    /// Anything else: other 4xx (404, 408, 499…), 1xx/3xx.
    case other

    static func classify(status: Int, reason: LimitReason) -> RequestOutcome {
        switch status {
        case 200..<300: .succeeded
        case 500..<600: .failed
        case 401: .unauthorized
        case 403: .forbidden
        case 429 where reason == .rateLimited: .rateLimited
        case 429 where reason == .quotaExceeded: .quotaExceeded
        case 400 where reason == .contextCapExceeded: .overContextCap
        default: .other
        }
    }
}
