/// One number of the report, formatted for people (tables, markdown, html) or for machines
/// (json, csv). Formatting is pure integer arithmetic on values computed the same way from
/// either source, so equal reports print byte-identical text.
enum CellValue: Sendable, Hashable {
    case count(Int)
    /// nil when there was nothing to measure (no 2xx record, no stream TTFT).
    case measured(Int?)
    /// Tokens per second; nil when undefined.
    case rate(Double?)
    /// A fraction 0…1.
    case share(Double)

    /// `1,234,567`, `-` for nil, `12.3` for rates, `12.3%` for shares.
    var text: String {
        switch self {
        case let .count(value): Self.grouped(value)
        case let .measured(value): value.map(Self.grouped) ?? "-"
        case let .rate(value): value.map { Self.fixed($0, digits: 1) } ?? "-"
        case let .share(value): Self.fixed(value * 100, digits: 1) + "%"
        }
    }

    /// JSON number (or `null`): plain integers, rates with 2 decimals, shares with 6.
    var json: String {
        switch self {
        case let .count(value): String(value)
        case let .measured(value): value.map(String.init) ?? "null"
        case let .rate(value): value.map { Self.fixed($0, digits: 2) } ?? "null"
        case let .share(value): Self.fixed(value, digits: 6)
        }
    }

    /// CSV field: as JSON, but empty for nil.
    var csv: String {
        let text = json
        return text == "null" ? "" : text
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }

    /// `value` rounded half away from zero to `digits` decimals, e.g. fixed(2.345, 2) = "2.35".
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value.magnitude * Double(scale)).rounded(.toNearestOrAwayFromZero))
        let whole = String(scaled / scale)
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard digits > 0 else { return sign + whole }
        let fraction = String(scaled % scale)
        return sign + whole + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
