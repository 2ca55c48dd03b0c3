/// The dashboard's "requests and p95 latency over time" chart: request bars on the left axis,
/// the p95 duration of 2xx requests as a line on the right axis, as inline SVG.
enum RequestLatencyChart {
    static let barColor = "#9db4d3"
    static let lineColor = "#d9480f"

    /// Room for the right-hand latency labels, in SVG units.
    static let rightAxisWidth = 40.0

    static func render(_ report: UsageReport, layout: ChartLayout) -> String {
        typealias Chart = StackedBarChart
        let points = report.timeline
        let requests = ChartScale(maximum: points.map(\.requests).max() ?? 0)
        let latency = ChartScale(maximum: points.compactMap(\.durationP95).max() ?? 0, stepCounts: [requests.ticks.count - 1])
        let plotWidth = layout.width - layout.left - layout.right - rightAxisWidth
        let plotHeight = layout.plotHeight
        let top = layout.top
        let slot = plotWidth / Double(max(points.count, 1))
        let barWidth = max(slot * 0.8, 0.5)
        var svg = layout.svgOpen(label: "Requests and p95 latency per \(Chart.bucketName(report))")
        svg += Chart.axis(requests, layout: layout)
        let rightX = Chart.c(layout.left + plotWidth + 4)
        for tick in latency.ticks {
            svg += "<text class=\"tick latency\" x=\"\(rightX)\" y=\"\(Chart.c(latency.y(tick, height: plotHeight, offset: top)))\" "
                + "dominant-baseline=\"middle\">\(milliseconds(tick))</text>\n"
        }
        var path = ""
        var pen = "M"
        for (index, point) in points.enumerated() {
            let x = layout.left + Double(index) * slot + (slot - barWidth) / 2
            let y = requests.y(point.requests, height: plotHeight, offset: top)
            let label = Chart.bucketLabel(point.start, report)
            if point.requests > 0 {
                svg += "<rect x=\"\(Chart.c(x))\" y=\"\(Chart.c(y))\" width=\"\(Chart.c(barWidth))\" "
                    + "height=\"\(Chart.c(top + plotHeight - y))\" fill=\"\(barColor)\">"
                    + "<title>\(label): \(CellValue.grouped(point.requests)) requests</title></rect>\n"
            }
            if let p95 = point.durationP95 {
                let lineX = layout.left + (Double(index) + 0.5) * slot
                path += "\(pen)\(Chart.c(lineX)) \(Chart.c(latency.y(p95, height: plotHeight, offset: top))) "
                pen = "L"
                svg += "<circle cx=\"\(Chart.c(lineX))\" cy=\"\(Chart.c(latency.y(p95, height: plotHeight, offset: top)))\" "
                    + "r=\"2.5\" fill=\"\(lineColor)\"><title>\(label): p95 \(CellValue.grouped(p95)) ms</title></circle>\n"
            } else {
                pen = "M"
            }
        }
        if !path.isEmpty {
            svg += "<path d=\"\(path.dropLast())\" fill=\"none\" stroke=\"\(lineColor)\" stroke-width=\"2\"/>\n"
        }
        svg += Chart.timeLabels(report, slot: slot, layout: layout)
        return svg + "</svg>\n"
    }

    /// `850ms`, `1.2s`, `45s`.
    static func milliseconds(_ value: Int) -> String {
        value < 1000 ? "\(value)ms" : (value < 10_000 ? CellValue.fixed(Double(value) / 1000, digits: 1) : String(value / 1000)) + "s"
    }
}
