/// One finished row of the report: what `GroupStats` adds up, plus the derived figures.
struct GroupSummary: Sendable, Hashable {
    /// The group's key, one value per `ReportGrouping.keyColumns` entry; nil = no user / model.
    let key: [String?]
    let requests: Int
    let succeeded: Int
    let failed: Int
    let unauthorized: Int
    let forbidden: Int
    let rateLimited: Int
    let quotaExceeded: Int
    let overContextCap: Int
    let other: Int
    let promptTokens: Int
    let completionTokens: Int
    let recordsWithoutUsage: Int
    /// Nearest-rank percentiles of 2xx durations (ms); nil without a 2xx record.
    let durationP50: Int?
    let durationP95: Int?
    /// Nearest-rank percentiles of stream TTFTs (ms); nil without a stream TTFT.
    let ttftP50: Int?
    let ttftP95: Int?
    /// Σ completion tokens / Σ duration in seconds, over 2xx records with known completion
    /// tokens; nil when that duration is 0.
    let completionTokensPerSecond: Double?
    /// This group's total tokens / the window's total tokens (0 when the window has none).
    let tokenShare: Double

    var totalTokens: Int { promptTokens + completionTokens }
    var rejected: Int { unauthorized + forbidden + rateLimited + quotaExceeded + overContextCap }

    init(key: [String?], stats: inout GroupStats, windowTokens: Int) {
        self.key = key
        requests = stats.requests
        succeeded = stats.succeeded
        failed = stats.failed
        unauthorized = stats.unauthorized
        forbidden = stats.forbidden
        rateLimited = stats.rateLimited
        quotaExceeded = stats.quotaExceeded
        overContextCap = stats.overContextCap
        other = stats.other
        promptTokens = stats.promptTokens
        completionTokens = stats.completionTokens
        recordsWithoutUsage = stats.recordsWithoutUsage
        let durations = NearestRank.percentiles([50, 95], of: &stats.successDurationsMs)
        durationP50 = durations?[0]
        durationP95 = durations?[1]
        let ttfts = NearestRank.percentiles([50, 95], of: &stats.streamTTFTsMs)
        ttftP50 = ttfts?[0]
        ttftP95 = ttfts?[1]
        completionTokensPerSecond = stats.rateDurationMs > 0
            ? Double(stats.rateCompletionTokens) * 1000 / Double(stats.rateDurationMs) : nil
        tokenShare = windowTokens > 0 ? Double(stats.totalTokens) / Double(windowTokens) : 0
    }
}
