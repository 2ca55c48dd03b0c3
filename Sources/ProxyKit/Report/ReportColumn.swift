/// One metric column of a report section: its human title, its machine name (JSON key and CSV
/// header), and how to read it from a row. Every format renders from the same column list, so
/// they cannot disagree about what a column means.
struct ReportColumn<Row: Sendable>: Sendable {
    let title: String
    let name: String
    let value: @Sendable (Row) -> CellValue

    init(_ title: String, _ name: String, _ value: @escaping @Sendable (Row) -> CellValue) {
        self.title = title
        self.name = name
        self.value = value
    }
}
