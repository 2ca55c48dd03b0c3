/// The stderr lines of a finished report: alerts (a threshold crossed: exit 1) and KV warnings
/// (information only: exit unchanged).
struct ReportAlerts: Sendable, Hashable {
    /// One per group over `--alert-tokens` or `--alert-errors`.
    let alerts: [String]
    /// One per user over `--kv-warn-share`.
    let warnings: [String]

    init(report: UsageReport, alertTokens: Int?, alertErrors: Int?) {
        var alerts: [String] = []
        for group in report.groups {
            let name = zip(group.key, report.grouping.keyColumns).map { UsageReport.label($0, column: $1) }.joined(separator: ",")
            if let limit = alertTokens, group.totalTokens > limit {
                alerts.append("ALERT: \(report.grouping.rawValue) \(name) used \(CellValue.grouped(group.totalTokens)) tokens "
                              + "(over --alert-tokens \(CellValue.grouped(limit)))")
            }
            if let limit = alertErrors, group.failed > limit {
                alerts.append("ALERT: \(report.grouping.rawValue) \(name) had \(CellValue.grouped(group.failed)) 5xx errors "
                              + "(over --alert-errors \(CellValue.grouped(limit)))")
            }
        }
        self.alerts = alerts
        warnings = report.kvPressure.filter(\.isOverThreshold).map { "warning: " + ReportSection.kvWarning($0, threshold: report.kvWarnShare) }
    }
}
