/// `--format table`: the hourly text summary a person or a cron mail reads. Sections of at most
/// a handful of numeric columns, each with a totals row, so every line fits in 100 columns.
enum TableReportRenderer {
    /// Longest group label shown (names are cut with "…"); two-part keys get this each, less.
    static let keyWidth = 24

    static func render(_ report: UsageReport) -> String {
        var out = "usage \(report.window.fromText) to \(report.window.toText) (end excluded), by \(report.grouping.rawValue)\n"
        guard !report.isEmpty else { return out + report.noRequestsLine + "\n" }
        let keyColumns = report.grouping.keyColumns
        let width = keyColumns.count == 1 ? keyWidth : keyWidth * 2 / 3
        func keyCells(_ key: [String?]) -> [String] {
            zip(key, keyColumns).map { AlignedTable.truncated(UsageReport.label($0, column: $1), to: width) }
        }
        for section in ReportSection.allCases {
            if section == .rejections && report.totals.rejected == 0 { continue }
            var table = AlignedTable(header: keyColumns + section.columns.map(\.title), leftColumns: keyColumns.count)
            for group in report.groups { table.append(keyCells(group.key) + section.columns.map { $0.value(group).text }) }
            if report.groups.count > 1 || report.grouping.isTimeBased {
                table.append(["total"] + keyColumns.dropFirst().map { _ in "" } + section.columns.map { $0.value(report.totals).text })
            }
            out += "\n\(section.rawValue): \(section.note)\n" + table.render()
        }
        var kvTable = AlignedTable(header: ["user"] + ReportSection.kvColumns.map(\.title), leftColumns: 1)
        for row in report.kvPressure {
            kvTable.append([AlignedTable.truncated(UsageReport.label(row.user, column: "user"), to: keyWidth)]
                           + ReportSection.kvColumns.map { $0.value(row).text })
        }
        out += "\n\(ReportSection.kvTitle): \(ReportSection.kvNote)\n" + kvTable.render()
        for row in report.kvPressure where row.isOverThreshold {
            out += "warning: " + ReportSection.kvWarning(row, threshold: report.kvWarnShare) + "\n"
        }
        return out
    }
}
