/// One hour (or day) of the dashboard's charts: requests, 2xx latencies, tokens per user.
struct TimelineBucket {
    var requests = 0
    var successDurationsMs: [Int32] = []
    /// Known prompt + completion tokens by user id (-1: no user).
    var tokensByUser: [Int32: Int] = [:]

    mutating func add(_ sample: UsageSample, outcome: RequestOutcome) {
        requests += 1
        if outcome == .succeeded { successDurationsMs.append(Int32(clamping: sample.durationMs)) }
        let tokens = max(sample.promptTokens, 0) + max(sample.completionTokens, 0)
        if tokens > 0 { tokensByUser[sample.user, default: 0] += tokens }
    }
}
