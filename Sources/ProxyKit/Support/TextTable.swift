/// Plain-text columns two spaces apart, without trailing spaces: the first `leftAligned`
/// columns left-aligned (names), the rest right-aligned (numbers); by default all are left-
/// aligned. Widths count Characters, which is right for the ASCII names the proxy allows.
public enum TextTable {
    public static func render(_ rows: [[String]], leftAligned: Int = .max) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: max(0, (i < widths.count ? widths[i] : cell.count) - cell.count))
                if i > 0 { line += "  " }
                line += i < leftAligned ? cell + pad : pad + cell
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// `text` cut to `limit` characters, ending in "…" when cut.
    static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
