/// One user's line in the KV-pressure section: who is pressuring the cache.
struct KVPressureSummary: Sendable, Hashable {
    /// nil for records without a user.
    let user: String?
    /// Largest single-request prompt + completion; nil when no record had both counts.
    let peakContext: Int?
    /// Requests over `KVPressureStats.largeContextTokens` (100,000) tokens.
    let overLargeContext: Int
    let clamped: Int
    let rejectedByCap: Int
    /// Σ (prompt + completion) × duration in seconds, rounded down.
    let kvTokenSeconds: Int
    /// This user's token-seconds / everyone's (0 when nobody has any).
    let kvShare: Double
    /// `kvShare` is over the `--kv-warn-share` threshold while someone else also used the
    /// cache (a user alone in the window starves nobody: no warning).
    let isOverThreshold: Bool

    init(user: String?, stats: KVPressureStats, windowTokenMilliseconds: Int, warnShare: Double, othersUsedCache: Bool) {
        self.user = user
        peakContext = stats.peakContext >= 0 ? stats.peakContext : nil
        overLargeContext = stats.overLargeContext
        clamped = stats.clamped
        rejectedByCap = stats.rejectedByCap
        kvTokenSeconds = stats.tokenMilliseconds / 1000
        kvShare = windowTokenMilliseconds > 0 ? Double(stats.tokenMilliseconds) / Double(windowTokenMilliseconds) : 0
        isOverThreshold = othersUsedCache && kvShare > warnShare
    }
}
