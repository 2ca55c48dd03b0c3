/// Running KV-cache pressure figures for one user: how large their requests are and how long
/// they hold their tokens in the cache.
struct KVPressureStats {
    /// Requests whose context (prompt + completion) is larger than this count as "over 100K".
    static let largeContextTokens = 100_000

    var requests = 0
    /// Largest prompt + completion of one record with both known; -1 when there is none.
    var peakContext = -1
    var overLargeContext = 0
    /// Served with `max_tokens` clamped to the context cap (reason `context_clamped`).
    var clamped = 0
    /// Rejected by the context cap (400, reason `context_cap_exceeded`).
    var rejectedByCap = 0
    /// Σ (prompt + completion) × duration_ms over records with both token counts known. Kept in
    /// integer token-milliseconds so the sum is exact whatever order records arrive in.
    var tokenMilliseconds = 0

    mutating func add(_ sample: UsageSample, outcome: RequestOutcome) {
        requests += 1
        if sample.reason == .contextClamped { clamped += 1 }
        if outcome == .overContextCap { rejectedByCap += 1 }
        guard sample.promptTokens >= 0, sample.completionTokens >= 0 else { return }
        let context = sample.promptTokens + sample.completionTokens
        peakContext = max(peakContext, context)
        if context > Self.largeContextTokens { overLargeContext += 1 }
        tokenMilliseconds += context * sample.durationMs
    }
}
