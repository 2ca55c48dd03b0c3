/// The report's sections and their columns, in print order.
enum ReportSection: String, Sendable, CaseIterable {
    case requests = "Requests"
    case rejections = "Rejections"
    case tokens = "Tokens"
    case latency = "Latency"

    /// A one-line explanation printed under the section title.
    var note: String {
        switch self {
        case .requests: "every record; rejected = 401/403/429/400 cap, other = other 4xx and 499"
        case .rejections: "by status and reason"
        case .tokens: "summed where known (upstream or estimated); no usage = records missing a count"
        case .latency: "ms, nearest rank; duration of 2xx, TTFT of streams; tok/s = completion/s of 2xx"
        }
    }

    var columns: [ReportColumn<GroupSummary>] {
        switch self {
        case .requests: [
            ReportColumn("requests", "requests") { .count($0.requests) },
            ReportColumn("2xx", "succeeded") { .count($0.succeeded) },
            ReportColumn("5xx", "errors") { .count($0.failed) },
            ReportColumn("rejected", "rejected") { .count($0.rejected) },
            ReportColumn("other", "other") { .count($0.other) },
        ]
        case .rejections: [
            ReportColumn("401", "rejected_401") { .count($0.unauthorized) },
            ReportColumn("403", "rejected_403") { .count($0.forbidden) },
            ReportColumn("429 rate", "rejected_429_rate") { .count($0.rateLimited) },
            ReportColumn("429 quota", "rejected_429_quota") { .count($0.quotaExceeded) },
            ReportColumn("400 cap", "rejected_400_cap") { .count($0.overContextCap) },
        ]
        case .tokens: [
            ReportColumn("prompt", "prompt_tokens") { .count($0.promptTokens) },
            ReportColumn("completion", "completion_tokens") { .count($0.completionTokens) },
            ReportColumn("total", "total_tokens") { .count($0.totalTokens) },
            ReportColumn("no usage", "records_without_usage") { .count($0.recordsWithoutUsage) },
            ReportColumn("share", "token_share") { .share($0.tokenShare) },
        ]
        case .latency: [
            ReportColumn("p50", "duration_p50_ms") { .measured($0.durationP50) },
            ReportColumn("p95", "duration_p95_ms") { .measured($0.durationP95) },
            ReportColumn("ttft p50", "ttft_p50_ms") { .measured($0.ttftP50) },
            ReportColumn("ttft p95", "ttft_p95_ms") { .measured($0.ttftP95) },
            ReportColumn("tok/s", "completion_tokens_per_s") { .rate($0.completionTokensPerSecond) },
        ]
        }
    }

    /// Every group column, in section order.
    static var allColumns: [ReportColumn<GroupSummary>] { allCases.flatMap(\.columns) }

    /// The KV-pressure section's columns (one row per user).
    static let kvTitle = "KV pressure"
    static let kvNote = "per user; share of KV token-seconds = (prompt + completion) x duration"
    static let kvColumns: [ReportColumn<KVPressureSummary>] = [
        ReportColumn("peak ctx", "peak_context") { .measured($0.peakContext) },
        ReportColumn(">100K", "requests_over_100k") { .count($0.overLargeContext) },
        ReportColumn("clamped", "clamped") { .count($0.clamped) },
        ReportColumn("cap 400", "rejected_by_cap") { .count($0.rejectedByCap) },
        ReportColumn("token-s", "kv_token_seconds") { .count($0.kvTokenSeconds) },
        ReportColumn("share", "kv_share") { .share($0.kvShare) },
    ]

    /// The warning for a user over the KV threshold (stderr and the text formats).
    static func kvWarning(_ row: KVPressureSummary, threshold: Double) -> String {
        "KV pressure: \(UsageReport.label(row.user, column: "user")) holds \(CellValue.share(row.kvShare).text) "
            + "of the window's KV token-seconds (warning over \(CellValue.share(threshold).text))"
    }
}
