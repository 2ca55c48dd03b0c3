/// The dashboard's "tokens per user per hour" chart: one bar per timeline bucket, stacked by
/// user in `UsageReport.timelineUsers` order, as inline SVG with a tooltip per segment.
enum StackedBarChart {
    /// Segment colours, cycled (Tableau 10: distinguishable for most colour vision).
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static let width = 720.0
    static let height = 260.0
    static let left = 48.0
    static let right = 8.0
    static let top = 10.0
    static let bottom = 26.0

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    static func render(_ report: UsageReport) -> String {
        let points = report.timeline
        let scale = ChartScale(maximum: points.map(\.totalTokens).max() ?? 0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(points.count, 1))
        let barWidth = max(slot * 0.8, 0.5)
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" "
            + "aria-label=\"Tokens per user per \(bucketName(report))\">\n"
        svg += axis(scale, plotHeight: plotHeight)
        for (index, point) in points.enumerated() {
            let x = left + Double(index) * slot + (slot - barWidth) / 2
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
        svg += timeLabels(report, slot: slot)
        return svg + "</svg>\n"
    }

    /// Gridlines and left-hand labels.
    static func axis(_ scale: ChartScale, plotHeight: Double, format: (Int) -> String = ChartScale.compact) -> String {
        var out = ""
        for tick in scale.ticks {
            let y = c(scale.y(tick, height: plotHeight, offset: top))
            out += "<line class=\"grid\" x1=\"\(c(left))\" y1=\"\(y)\" x2=\"\(c(width - right))\" y2=\"\(y)\"/>\n"
            out += "<text class=\"tick\" x=\"\(c(left - 4))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                + "\(format(tick))</text>\n"
        }
        return out
    }

    /// At most 8 bucket labels along the bottom.
    static func timeLabels(_ report: UsageReport, slot: Double) -> String {
        let count = report.timeline.count
        let every = max(1, (count + 7) / 8)
        var out = ""
        for (index, point) in report.timeline.enumerated() where index % every == 0 {
            let x = left + (Double(index) + 0.5) * slot
            out += "<text class=\"tick\" x=\"\(c(x))\" y=\"\(c(height - 8))\" text-anchor=\"middle\">"
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
