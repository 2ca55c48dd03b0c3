/// `--format markdown`: the same sections as the table, as GitHub-flavoured markdown tables
/// (numbers right-aligned), for pasting into an issue or a wiki.
enum MarkdownReportRenderer {
    static func render(_ report: UsageReport) -> String {
        var out = "# Usage \(report.window.fromText) to \(report.window.toText)\n\n"
        out += "Window `[from, to)` (end excluded), grouped by \(report.grouping.rawValue).\n"
        guard !report.isEmpty else { return out + "\n" + report.noRequestsLine + "\n" }
        let keyColumns = report.grouping.keyColumns
        for section in ReportSection.allCases {
            if section == .rejections && report.totals.rejected == 0 { continue }
            out += "\n## \(section.rawValue)\n\n\(section.note)\n\n"
            out += row(keyColumns + section.columns.map(\.title))
            out += row(keyColumns.map { _ in "---" } + section.columns.map { _ in "---:" })
            for group in report.groups {
                out += row(zip(group.key, keyColumns).map { escape(UsageReport.label($0, column: $1)) }
                           + section.columns.map { $0.value(group).text })
            }
            out += row(["**total**"] + keyColumns.dropFirst().map { _ in "" }
                       + section.columns.map { "**" + $0.value(report.totals).text + "**" })
        }
        out += "\n## \(ReportSection.kvTitle)\n\n\(ReportSection.kvNote)\n\n"
        out += row(["user"] + ReportSection.kvColumns.map(\.title))
        out += row(["---"] + ReportSection.kvColumns.map { _ in "---:" })
        for kv in report.kvPressure {
            out += row([escape(UsageReport.label(kv.user, column: "user"))] + ReportSection.kvColumns.map { $0.value(kv).text })
        }
        let warnings = report.kvPressure.filter(\.isOverThreshold)
        if !warnings.isEmpty {
            out += "\n" + warnings.map { "- **warning:** " + escape(ReportSection.kvWarning($0, threshold: report.kvWarnShare)) + "\n" }.joined()
        }
        return out
    }

    private static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }

    /// Names go into table cells: pipes, backslashes and markup characters are escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            if "\\|*_`<>[]#".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
