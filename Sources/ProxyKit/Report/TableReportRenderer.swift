/// `--format table`: the hourly text summary a person or a cron mail reads. Sections of at most
/// a handful of numeric columns, each with a totals row; names are cut (with "…") to what the
/// numbers leave of `lineWidth`, so every line fits.
enum TableReportRenderer {
    /// The widest line printed.
    static let lineWidth = 100
    /// Longest name shown when there is room (two-part keys: each part).
    static let keyWidth = 24
    static let pairKeyWidth = 20
    /// Names are never cut shorter than this.
    static let minimumKeyWidth = 8

    static func render(_ report: UsageReport) -> String {
        var out = "usage \(report.window.fromText) to \(report.window.toText) (end excluded), by \(report.grouping.rawValue)\n"
        guard !report.isEmpty else { return out + report.noRequestsLine + "\n" }
        let keyColumns = report.grouping.keyColumns
        for section in ReportSection.allCases {
            if section == .rejections && report.totals.rejected == 0 { continue }
            var rows = report.groups.map { group in
                (zip(group.key, keyColumns).map { UsageReport.label($0, column: $1) }, section.columns.map { $0.value(group).text })
            }
            if report.groups.count > 1 || report.grouping.isTimeBased {
                rows.append((["total"] + keyColumns.dropFirst().map { _ in "" }, section.columns.map { $0.value(report.totals).text }))
            }
            out += "\n\(section.rawValue): \(section.note)\n"
                + table(keyTitles: keyColumns, titles: section.columns.map(\.title), rows: rows)
        }
        let kvRows = report.kvPressure.map { row in
            ([UsageReport.label(row.user, column: "user")], ReportSection.kvColumns.map { $0.value(row).text })
        }
        out += "\n\(ReportSection.kvTitle): \(ReportSection.kvNote)\n"
            + table(keyTitles: ["user"], titles: ReportSection.kvColumns.map(\.title), rows: kvRows)
        for row in report.kvPressure where row.isOverThreshold {
            out += "warning: " + ReportSection.kvWarning(row, threshold: report.kvWarnShare) + "\n"
        }
        return out
    }

    /// Lays out one section, cutting the names to the room the number columns leave.
    static func table(keyTitles: [String], titles: [String], rows: [(keys: [String], values: [String])]) -> String {
        var numberWidth = 0
        for (index, title) in titles.enumerated() {
            numberWidth += 2 + rows.reduce(title.count) { max($0, $1.values[index].count) }
        }
        let room = (lineWidth - numberWidth - 2 * (keyTitles.count - 1)) / keyTitles.count
        let width = max(minimumKeyWidth, min(room, keyTitles.count == 1 ? keyWidth : pairKeyWidth))
        let lines = [keyTitles + titles] + rows.map { row in row.keys.map { TextTable.truncated($0, to: width) } + row.values }
        return TextTable.render(lines, leftAligned: keyTitles.count)
    }
}
