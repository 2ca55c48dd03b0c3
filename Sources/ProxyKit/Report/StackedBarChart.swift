/// The dashboard's "tokens per user per hour" chart: one bar per timeline bucket, stacked by
/// user in `UsageReport.timelineUsers` order, as inline SVG with a tooltip per segment.
enum StackedBarChart {
    /// Segment colours, cycled (Tableau 10: distinguishable for most colour vision).
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    static func render(_ report: UsageReport, layout: ChartLayout) -> String {
        let points = report.timeline
        let scale = ChartScale(maximum: points.map(\.totalTokens).max() ?? 0)
        let plotWidth = layout.width - layout.left - layout.right
        let plotHeight = layout.plotHeight
        let top = layout.top
        let slot = plotWidth / Double(max(points.count, 1))
        let barWidth = max(slot * 0.8, 0.5)
        var svg = layout.svgOpen(label: "Tokens per user per \(bucketName(report))")
        svg += axis(scale, layout: layout)
        for (index, point) in points.enumerated() {
            let x = layout.left + Double(index) * slot + (slot - barWidth) / 2
            var stacked = 0
            for (userIndex, tokens) in point.tokensByUser.enumerated() where tokens > 0 {
                let yTop = scale.y(stacked + tokens, height: plotHeight, offset: top)
                let yBottom = scale.y(stacked, height: plotHeight, offset: top)
                stacked += tokens
                let user = HTMLText.escape(UsageReport.label(report.timelineUsers[userIndex], column: "user"))
                svg += "<rect x=\"\(c(x))\" y=\"\(c(yTop))\" width=\"\(c(barWidth))\" height=\"\(c(max(yBottom - yTop, 0.5)))\" "
                    + "fill=\"\(color(userIndex))\"><title>\(user) \(bucketLabel(point.start, report)): "
                    + "\(CellValue.grouped(tokens)) tokens</title></rect>\n"
            }
        }
        svg += timeLabels(report, slot: slot, layout: layout)
        return svg + "</svg>\n"
    }

    /// Gridlines and left-hand labels.
    static func axis(_ scale: ChartScale, layout: ChartLayout) -> String {
        var out = ""
        for tick in scale.ticks {
            let y = c(scale.y(tick, height: layout.plotHeight, offset: layout.top))
            out += "<line class=\"grid\" x1=\"\(c(layout.left))\" y1=\"\(y)\" x2=\"\(c(layout.width - layout.right))\" y2=\"\(y)\"/>\n"
            out += "<text class=\"tick\" x=\"\(c(layout.left - 4))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                + "\(ChartScale.compact(tick))</text>\n"
        }
        return out
    }

    /// At most `layout.maxTimeLabels` bucket labels along the bottom.
    static func timeLabels(_ report: UsageReport, slot: Double, layout: ChartLayout) -> String {
        let count = report.timeline.count
        let every = max(1, (count + layout.maxTimeLabels - 1) / layout.maxTimeLabels)
        var out = ""
        for (index, point) in report.timeline.enumerated() where index % every == 0 {
            let x = layout.left + (Double(index) + 0.5) * slot
            out += "<text class=\"tick\" x=\"\(c(x))\" y=\"\(c(layout.height - 8))\" text-anchor=\"middle\">"
                + "\(bucketLabel(point.start, report, short: true))</text>\n"
        }
        return out
    }

    static func bucketName(_ report: UsageReport) -> String { report.timelineBucketSeconds == 3600 ? "hour" : "day" }

    /// `2026-11-26 10:00` (short: `10:00`) for hours, `2026-11-26` (short: `11-26`) for days.
    static func bucketLabel(_ start: Int, _ report: UsageReport, short: Bool = false) -> String {
        let text = UTCTimestamp.format(secondsSinceEpoch: start)
        let day = text.prefix(10)
        let time = text.dropFirst(11).prefix(5)
        if report.timelineBucketSeconds == 3600 { return short ? String(time) : "\(day) \(time)" }
        return short ? String(day.dropFirst(5)) : String(day)
    }

    static func c(_ value: Double) -> String { ChartScale.coordinate(value) }
}
