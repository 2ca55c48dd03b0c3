/// `--format json`: the whole report for dashboards and scripts. Field names are the CSV
/// headers; unknown values are `null`; one group per line so diffs stay readable.
enum JSONReportRenderer {
    static func render(_ report: UsageReport) -> String {
        let columns = ReportSection.allColumns
        let keyColumns = report.grouping.keyColumns
        func group(_ summary: GroupSummary, key: [(String, String?)]) -> String {
            let keyFields = key.map { "\(JSONText.quoted($0.0)):\($0.1.map(JSONText.quoted) ?? "null")" }
            let fields = columns.map { "\(JSONText.quoted($0.name)):\($0.value(summary).json)" }
            return "{" + (keyFields + fields).joined(separator: ",") + "}"
        }
        var out = "{\n"
        out += "  \"from\": \(JSONText.quoted(report.window.fromText)),\n"
        out += "  \"to\": \(JSONText.quoted(report.window.toText)),\n"
        out += "  \"by\": \(JSONText.quoted(report.grouping.rawValue)),\n"
        let groups = report.groups.map { "    " + group($0, key: Array(zip(keyColumns, $0.key))) }
        out += "  \"groups\": [" + (groups.isEmpty ? "],\n" : "\n" + groups.joined(separator: ",\n") + "\n  ],\n")
        out += "  \"totals\": " + group(report.totals, key: []) + ",\n"
        let kv = report.kvPressure.map { row in
            "    {\"user\":\(row.user.map(JSONText.quoted) ?? "null"),"
                + ReportSection.kvColumns.map { "\(JSONText.quoted($0.name)):\($0.value(row).json)" }.joined(separator: ",")
                + ",\"over_threshold\":\(row.isOverThreshold)}"
        }
        out += "  \"kv_pressure\": [" + (kv.isEmpty ? "],\n" : "\n" + kv.joined(separator: ",\n") + "\n  ],\n")
        out += "  \"kv_warn_share\": \(CellValue.fixed(report.kvWarnShare, digits: 6))\n"
        return out + "}\n"
    }
}
