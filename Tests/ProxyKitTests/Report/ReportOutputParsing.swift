import Foundation

/// Reads the numbers back out of each report format, so tests compare numbers, not layout.
enum ReportOutputParsing {
    /// One metric: its table/markdown column title, its JSON/CSV name, and the expected value
    /// (shares as fractions; tables print them as percentages).
    struct Metric: Sendable {
        let title: String
        let name: String
        let expected: @Sendable (ExpectedGroup) -> Double?
        /// Decimals the format rounds to, for non-integer metrics (nil: exact integer).
        let tolerance: Double?
    }

    static let metrics: [Metric] = [
        Metric(title: "requests", name: "requests", expected: { Double($0.requests) }, tolerance: nil),
        Metric(title: "2xx", name: "succeeded", expected: { Double($0.succeeded) }, tolerance: nil),
        Metric(title: "5xx", name: "errors", expected: { Double($0.errors) }, tolerance: nil),
        Metric(title: "rejected", name: "rejected", expected: { Double($0.rejected) }, tolerance: nil),
        Metric(title: "other", name: "other", expected: { Double($0.other) }, tolerance: nil),
        Metric(title: "401", name: "rejected_401", expected: { Double($0.rejected401) }, tolerance: nil),
        Metric(title: "403", name: "rejected_403", expected: { Double($0.rejected403) }, tolerance: nil),
        Metric(title: "429 rate", name: "rejected_429_rate", expected: { Double($0.rate429) }, tolerance: nil),
        Metric(title: "429 quota", name: "rejected_429_quota", expected: { Double($0.quota429) }, tolerance: nil),
        Metric(title: "400 cap", name: "rejected_400_cap", expected: { Double($0.cap400) }, tolerance: nil),
        Metric(title: "prompt", name: "prompt_tokens", expected: { Double($0.prompt) }, tolerance: nil),
        Metric(title: "completion", name: "completion_tokens", expected: { Double($0.completion) }, tolerance: nil),
        Metric(title: "total", name: "total_tokens", expected: { Double($0.total) }, tolerance: nil),
        Metric(title: "no usage", name: "records_without_usage", expected: { Double($0.withoutUsage) }, tolerance: nil),
        Metric(title: "share", name: "token_share", expected: { $0.share }, tolerance: 0.0000051),
        Metric(title: "p50", name: "duration_p50_ms", expected: { $0.p50.map(Double.init) }, tolerance: nil),
        Metric(title: "p95", name: "duration_p95_ms", expected: { $0.p95.map(Double.init) }, tolerance: nil),
        Metric(title: "ttft p50", name: "ttft_p50_ms", expected: { $0.ttftP50.map(Double.init) }, tolerance: nil),
        Metric(title: "ttft p95", name: "ttft_p95_ms", expected: { $0.ttftP95.map(Double.init) }, tolerance: nil),
        Metric(title: "tok/s", name: "completion_tokens_per_s", expected: { $0.tokensPerSecond }, tolerance: 0.0051),
    ]

    /// Mismatches between `actual` (metric name → value, nil = null/"-") and `expected`.
    /// `percentShares`: shares printed as "12.3%" (one decimal), `rounded`: other decimals at 1.
    static func mismatches(_ label: String, actual: [String: Double?], expected: ExpectedGroup, humanRounding: Bool) -> [String] {
        var out: [String] = []
        for metric in metrics {
            guard let value = actual[metric.name] else { continue }
            let want = metric.expected(expected)
            switch (value, want) {
            case (nil, nil): continue
            case let (got?, want?):
                var tolerance = metric.tolerance ?? 0
                if humanRounding && metric.tolerance != nil { tolerance = metric.name == "token_share" ? 0.00051 : 0.051 }
                if abs(got - want) <= tolerance { continue }
                out.append("\(label) \(metric.name): got \(got), want \(want)")
            default:
                out.append("\(label) \(metric.name): got \(String(describing: value)), want \(String(describing: want))")
            }
        }
        return out
    }

    /// A human-format cell ("1,234", "12.3%", "48.9", "-") as a number; nil for "-".
    static func number(_ cell: String, isShare: Bool) -> Double?? {
        let text = cell.replacingOccurrences(of: "**", with: "")
        if text == "-" { return .some(nil) }
        guard let value = Double(text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "%", with: "")) else { return nil }
        return .some(isShare ? value / 100 : value)
    }

    /// Rows of a text-table section ("Tokens: …" up to the next blank line), cells split at 2+ spaces.
    static func tableSection(_ text: String, _ title: String) -> [[String]] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(title + ":") }) else { return [] }
        var rows: [[String]] = []
        for line in lines[(start + 1)...] {
            if line.isEmpty { break }
            rows.append(line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return rows
    }

    /// Rows of a markdown section ("## Tokens"), without the alignment row.
    static func markdownSection(_ text: String, _ title: String) -> [[String]] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "## " + title) else { return [] }
        var rows: [[String]] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| ") else { continue }
            let cells = line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
            if cells.allSatisfy({ $0.hasPrefix("---") }) { continue }
            rows.append(cells.map { $0.replacingOccurrences(of: "**", with: "") })
        }
        return rows
    }

    /// Metric values of each row of a human section: label → (metric name → value).
    static func humanRows(_ rows: [[String]], keyColumns: Int) -> [String: [String: Double?]] {
        guard let header = rows.first else { return [:] }
        var out: [String: [String: Double?]] = [:]
        for row in rows.dropFirst() {
            // A totals row of a two-column key has an empty second key cell, dropped by the splitter.
            let keyCount = row.first == "total" && row.count < header.count ? 1 : keyColumns
            var label = row.prefix(keyCount).joined(separator: "|")
            if label == "total|" { label = "total" }
            var values: [String: Double?] = [:]
            for (title, cell) in zip(header.dropFirst(keyColumns), row.dropFirst(keyCount)) {
                guard let metric = metrics.first(where: { $0.title == title }),
                      let value = number(cell, isShare: title == "share") else { continue }
                values[metric.name] = value
            }
            out[label] = values
        }
        return out
    }
}
