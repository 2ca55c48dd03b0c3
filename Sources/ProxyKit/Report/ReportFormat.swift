/// How the report is written (`--format`).
enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    /// Aligned text with totals, at most 100 columns wide.
    case table
    case json
    /// The group rows only, one header line.
    case csv
    case markdown
    /// The dashboard: one self-contained file with inline SVG charts.
    case html
}
