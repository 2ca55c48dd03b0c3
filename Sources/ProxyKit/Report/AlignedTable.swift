/// Plain-text columns two spaces apart: the first `leftColumns` left-aligned (names), the rest
/// right-aligned (numbers). Widths count Characters, which is right for the ASCII names the
/// proxy allows.
struct AlignedTable {
    let leftColumns: Int
    var rows: [[String]] = []

    init(header: [String], leftColumns: Int) {
        self.leftColumns = leftColumns
        rows = [header]
    }

    mutating func append(_ row: [String]) { rows.append(row) }

    func render() -> String {
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if i > 0 { line += "  " }
                line += i < leftColumns ? cell + pad : pad + cell
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
