/// A chart's size in SVG units. The dashboard draws each chart twice — wide for desktops, narrow
/// with larger text for phones — and CSS shows one, so labels stay readable without a script.
struct ChartLayout: Sendable, Hashable {
    let width: Double
    let height: Double
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double
    /// Label size in SVG units.
    let fontSize: Int
    /// Most time labels along the bottom.
    let maxTimeLabels: Int

    static let wide = ChartLayout(width: 720, height: 260, left: 48, right: 8, top: 10, bottom: 26, fontSize: 11, maxTimeLabels: 8)
    static let narrow = ChartLayout(width: 400, height: 250, left: 42, right: 6, top: 10, bottom: 26, fontSize: 13, maxTimeLabels: 4)

    var plotHeight: Double { height - top - bottom }

    /// The opening `<svg>` tag.
    func svgOpen(label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"\(fontSize)\" role=\"img\" "
            + "aria-label=\"\(HTMLText.escape(label))\">\n"
    }
}
