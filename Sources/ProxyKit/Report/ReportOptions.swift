/// Everything one `usage-report` run was asked to do, validated.
struct ReportOptions: Sendable, Hashable {
    /// Where the records come from.
    enum Input: Sendable, Hashable {
        /// The proxy's SQLite index (default `./ds4-data/ds4.sqlite`).
        case database(String)
        /// Journal files in the order given; `-` is stdin.
        case journals([String])
    }

    static let defaultDatabase = "./ds4-data/ds4.sqlite"
    /// `--kv-warn-share` default: warn about a user holding over half the KV token-seconds.
    static let defaultKVWarnShare = 0.5

    var input: Input = .database(defaultDatabase)
    var window: ReportWindow
    var grouping: ReportGrouping = .user
    var format: ReportFormat = .table
    /// Written atomically (temp file + rename); nil = stdout.
    var outputPath: String?
    /// Alert (exit 1) when a group's total tokens exceed this.
    var alertTokens: Int?
    /// Alert (exit 1) when a group's 5xx count exceeds this.
    var alertErrors: Int?
    var kvWarnShare = defaultKVWarnShare
}
