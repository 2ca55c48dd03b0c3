/// `--format csv`: one header line, then one line per group (RFC 4180 quoting). No totals row
/// and no KV section, so every line is the same kind of record for spreadsheets and scripts.
enum CSVReportRenderer {
    static func render(_ report: UsageReport) -> String {
        let columns = ReportSection.allColumns
        var out = (report.grouping.keyColumns + columns.map(\.name)).joined(separator: ",") + "\r\n"
        for group in report.groups {
            let cells = group.key.map { field($0 ?? "") } + columns.map { $0.value(group).csv }
            out += cells.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// Quotes a field holding a comma, quote, CR or LF (doubling its quotes).
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var out = "\""
        for ch in text {
            if ch == "\"" { out += "\"" }
            out.append(ch)
        }
        return out + "\""
    }
}
