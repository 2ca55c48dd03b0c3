/// A finished report: what every format renders. Built by `UsageAggregator.finish`.
struct UsageReport: Sendable, Hashable {
    let window: ReportWindow
    let grouping: ReportGrouping
    /// Time groups chronologically; others by total tokens (largest first), then requests, then name.
    let groups: [GroupSummary]
    /// The whole window as one group.
    let totals: GroupSummary
    /// One line per user, by KV share (largest first), then name.
    let kvPressure: [KVPressureSummary]
    /// The `--kv-warn-share` threshold the flags were computed with.
    let kvWarnShare: Double
    /// Chart buckets covering the whole window (empty ones included); empty unless asked for.
    let timeline: [TimelinePoint]
    /// Seconds per chart bucket (3600, or 86400 for windows over 7 days).
    let timelineBucketSeconds: Int
    /// Users in the charts' stacking order (by total tokens, largest first); nil = no user.
    let timelineUsers: [String?]

    var isEmpty: Bool { totals.requests == 0 }

    /// "no requests between F and T": the whole report of an empty window.
    var noRequestsLine: String { "no requests between \(window.fromText) and \(window.toText)" }

    /// How a group key value is shown in tables and charts.
    static func label(_ value: String?, column: String) -> String {
        value ?? (column == "model" ? "(no model)" : "(no user)")
    }
}
