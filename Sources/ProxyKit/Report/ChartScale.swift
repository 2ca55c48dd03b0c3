/// A chart's vertical axis: a "nice" top value (1, 2 or 5 × 10ⁿ) above the data and evenly
/// spaced gridlines, with compact labels (`1.5M`, `250K`).
struct ChartScale: Sendable, Hashable {
    let top: Int
    let ticks: [Int]

    /// The smallest top of 3, 4 or 5 (or `stepCounts`) steps of 1, 2, 2.5 or 5 × 10ⁿ that is at
    /// least `maximum`. A second axis passes the first one's step count so both share gridlines.
    init(maximum: Int, stepCounts: [Int] = [3, 4, 5]) {
        var best = (top: Int.max, step: 1, count: stepCounts[0])
        var magnitude = 1
        while magnitude <= max(maximum, 1) {
            for step in [magnitude, magnitude * 2, magnitude * 5 / 2, magnitude * 5] where step > 0 {
                for count in stepCounts where step * count >= maximum && step * count < best.top {
                    best = (step * count, step, count)
                }
            }
            magnitude *= 10
        }
        top = best.top
        ticks = (0...best.count).map { $0 * best.step }
    }

    /// `y` (SVG units, down) of `value` on a plot of `height` units starting at `offset`.
    func y(_ value: Int, height: Double, offset: Double) -> Double {
        offset + height - Double(value) / Double(max(top, 1)) * height
    }

    /// `950`, `1.5K`, `12K`, `2.5M`, `3B`.
    static func compact(_ value: Int) -> String {
        let units: [(Int, String)] = [(1_000_000_000, "B"), (1_000_000, "M"), (1000, "K")]
        for (size, suffix) in units where value >= size {
            let tenths = (value * 10 + size / 2) / size
            return (tenths % 10 == 0 || tenths >= 100 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)") + suffix
        }
        return String(value)
    }

    /// SVG coordinates with one decimal, so the file stays small and deterministic.
    static func coordinate(_ value: Double) -> String { CellValue.fixed(value, digits: 1) }
}
