/// `--format html`: the dashboard. One self-contained file — inline CSS and SVG, no scripts,
/// fonts, images or links — that reads on a phone: headline figures, the two charts, then the
/// report's sections as small tables. Every name is escaped.
enum HTMLReportRenderer {
    static let style = """
        :root{color-scheme:light;--ink:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#f7f9fb}
        *{box-sizing:border-box}
        body{margin:0;padding:12px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
        main{max-width:960px;margin:0 auto}
        h1{font-size:20px;margin:4px 0}
        h2{font-size:16px;margin:22px 0 4px}
        p.note{margin:0 0 6px;color:var(--muted);font-size:12px}
        .window{color:var(--muted);margin:0 0 12px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:8px}
        .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 10px}
        .card b{display:block;font-size:20px}
        .card span{color:var(--muted);font-size:12px}
        .panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
        svg.chart{width:100%;height:auto;display:block}
        svg .grid{stroke:var(--line);stroke-width:1}
        svg .tick{fill:var(--muted)}
        .narrow{display:none}
        @media (max-width:600px){.wide{display:none}.narrow{display:block}body{padding:8px}
        th,td{padding:3px 5px;font-size:13px}}
        th.key,td.key{position:sticky;left:0;background:#fff}
        svg .latency{fill:#d9480f}
        .legend{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px}
        .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
        .scroll{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:8px}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
        th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
        th:first-child,td:first-child,th.key,td.key{text-align:left}
        td.key{max-width:14em;overflow:hidden;text-overflow:ellipsis}
        tr.total td{font-weight:600;border-bottom:0}
        .warn{background:#fff4e5;border:1px solid #f5c58a;border-radius:8px;padding:6px 10px;margin:8px 0}
        .empty{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px;text-align:center}
        """

    static func render(_ report: UsageReport) -> String {
        let window = "\(report.window.fromText) to \(report.window.toText)"
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>ds4 usage \(window)</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            <h1>ds4-proxy usage</h1>
            <p class="window">\(window) (end excluded), by \(HTMLText.escape(report.grouping.rawValue))</p>

            """
        guard !report.isEmpty else {
            return out + "<p class=\"empty\">\(report.noRequestsLine)</p>\n</main>\n</body>\n</html>\n"
        }
        out += cards(report.totals)
        for warning in report.kvPressure where warning.isOverThreshold {
            out += "<p class=\"warn\">\(HTMLText.escape(ReportSection.kvWarning(warning, threshold: report.kvWarnShare)))</p>\n"
        }
        let bucket = StackedBarChart.bucketName(report)
        out += "<h2>Tokens per user per \(bucket)</h2>\n<div class=\"panel\">\n" + charts(StackedBarChart.render, report) + legend(report) + "</div>\n"
        out += "<h2>Requests and p95 latency per \(bucket)</h2>\n<div class=\"panel\">\n" + charts(RequestLatencyChart.render, report)
        out += "<ul class=\"legend\"><li><i style=\"background:\(RequestLatencyChart.barColor)\"></i>requests (left)</li>"
            + "<li><i style=\"background:\(RequestLatencyChart.lineColor)\"></i>p95 duration of 2xx (right)</li></ul>\n</div>\n"
        let keyColumns = report.grouping.keyColumns
        for section in ReportSection.allCases {
            if section == .rejections && report.totals.rejected == 0 { continue }
            out += "<h2>\(section.rawValue)</h2>\n<p class=\"note\">\(HTMLText.escape(section.note))</p>\n"
            var rows = report.groups.map { group in
                row(zip(group.key, keyColumns).map { UsageReport.label($0, column: $1) }, section.columns.map { $0.value(group).text })
            }
            rows.append(row(["total"] + keyColumns.dropFirst().map { _ in "" },
                            section.columns.map { $0.value(report.totals).text }, className: "total"))
            out += table(header: keyColumns, section.columns.map(\.title), rows: rows)
        }
        out += "<h2>\(ReportSection.kvTitle)</h2>\n<p class=\"note\">\(HTMLText.escape(ReportSection.kvNote))</p>\n"
        out += table(header: ["user"], ReportSection.kvColumns.map(\.title), rows: report.kvPressure.map { kv in
            row([UsageReport.label(kv.user, column: "user")], ReportSection.kvColumns.map { $0.value(kv).text })
        })
        return out + "</main>\n</body>\n</html>\n"
    }

    /// The wide and the narrow drawing of a chart; CSS shows the one that fits.
    private static func charts(_ render: (UsageReport, ChartLayout) -> String, _ report: UsageReport) -> String {
        "<div class=\"wide\">\n" + render(report, .wide) + "</div>\n<div class=\"narrow\">\n" + render(report, .narrow) + "</div>\n"
    }

    private static func cards(_ totals: GroupSummary) -> String {
        let figures: [(String, String)] = [
            (CellValue.grouped(totals.requests), "requests"),
            (ChartScale.compact(totals.totalTokens), "tokens"),
            (CellValue.grouped(totals.failed), "5xx errors"),
            (CellValue.grouped(totals.rejected), "rejected"),
            (CellValue.measured(totals.durationP95).text + " ms", "p95 duration (2xx)"),
            (CellValue.measured(totals.ttftP95).text + " ms", "p95 TTFT (streams)"),
        ]
        return "<div class=\"cards\">\n" + figures.map { "<div class=\"card\"><b>\($0.0)</b><span>\($0.1)</span></div>\n" }.joined()
            + "</div>\n"
    }

    private static func legend(_ report: UsageReport) -> String {
        "<ul class=\"legend\">" + report.timelineUsers.enumerated().map { index, user in
            "<li><i style=\"background:\(StackedBarChart.color(index))\"></i>\(HTMLText.escape(UsageReport.label(user, column: "user")))</li>"
        }.joined() + "</ul>\n"
    }

    private static func row(_ keys: [String], _ values: [String], className: String? = nil) -> String {
        (className.map { "<tr class=\"\($0)\">" } ?? "<tr>")
            + keys.map { "<td class=\"key\" title=\"\(HTMLText.escape($0))\">\(HTMLText.escape($0))</td>" }.joined()
            + values.map { "<td>\(HTMLText.escape($0))</td>" }.joined() + "</tr>\n"
    }

    private static func table(header keys: [String], _ titles: [String], rows: [String]) -> String {
        "<div class=\"scroll\"><table>\n<thead><tr>" + keys.map { "<th class=\"key\">\(HTMLText.escape($0))</th>" }.joined()
            + titles.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n" + rows.joined()
            + "</tbody>\n</table></div>\n"
    }
}
