/// One bar of the dashboard's charts.
struct TimelinePoint: Sendable, Hashable {
    /// Unix seconds of the bucket's start.
    let start: Int
    let requests: Int
    /// Nearest-rank p95 of 2xx durations (ms); nil without a 2xx record.
    let durationP95: Int?
    /// Tokens per user, in `UsageReport.timelineUsers` order.
    let tokensByUser: [Int]

    var totalTokens: Int { tokensByUser.reduce(0, +) }
}
