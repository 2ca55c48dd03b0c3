import Testing
@testable import ProxyKit

/// Status + reason → report column, and the report's number formatting.
@Suite struct ReportClassificationTests {
    @Test func outcomesFollowStatusAndReason() {
        let cases: [(Int, String?, RequestOutcome)] = [
            (200, nil, .succeeded), (200, UsageReason.contextClamped, .succeeded), (204, nil, .succeeded),
            (500, UsageReason.upstreamError, .failed), (502, nil, .failed), (504, UsageReason.upstreamTimeout, .failed),
            (401, UsageReason.invalidAPIKey, .unauthorized), (403, UsageReason.modelNotAllowed, .forbidden),
            (429, UsageReason.rateLimited, .rateLimited), (429, UsageReason.quotaExceeded, .quotaExceeded),
            (429, nil, .other), (400, UsageReason.contextCapExceeded, .overContextCap), (400, UsageReason.malformedRequest, .other),
            (404, UsageReason.notFound, .other), (499, UsageReason.clientDisconnected, .other), (408, nil, .other),
        ]
        for (status, reason, outcome) in cases {
            #expect(RequestOutcome.classify(status: status, reason: LimitReason(reason)) == outcome, "\(status) \(reason ?? "nil")")
        }
        #expect(LimitReason("context_clamped") == .contextClamped && LimitReason("rate_limited_x") == .other && LimitReason(nil) == .other)
    }

    @Test func numbersFormatTheSameWay() {
        #expect(CellValue.grouped(0) == "0" && CellValue.grouped(999) == "999" && CellValue.grouped(1000) == "1,000")
        #expect(CellValue.grouped(1_234_567) == "1,234,567" && CellValue.grouped(-1234) == "-1,234")
        #expect(CellValue.fixed(2.345, digits: 2) == "2.35" && CellValue.fixed(0.0000004, digits: 6) == "0.000000")
        #expect(CellValue.fixed(1, digits: 6) == "1.000000" && CellValue.fixed(48.95, digits: 1) == "49.0")
        #expect(CellValue.share(0.1234).text == "12.3%" && CellValue.measured(nil).text == "-" && CellValue.rate(nil).json == "null")
        #expect(ChartScale.compact(950) == "950" && ChartScale.compact(1500) == "1.5K" && ChartScale.compact(12_000_000) == "12M")
    }

    @Test func chartScaleTopsTheDataWithRoundSteps() {
        for maximum in [0, 1, 7, 99, 100, 101, 640, 10_600_000, 123_456_789] {
            let scale = ChartScale(maximum: maximum)
            #expect(scale.top >= maximum && scale.ticks.first == 0 && scale.ticks.last == scale.top)
            #expect(scale.top <= max(maximum, 1) * 2 + 4, "\(maximum) → \(scale.top)")
        }
        #expect(ChartScale(maximum: 10_600_000).top == 12_500_000)
    }

    @Test func windows() {
        let now = 1_795_690_000 // 2026-11-26T10:46:40Z
        let hour = ReportWindow.lastFullHour(now: now)
        #expect(hour.fromText == "2026-11-26T09:00:00Z" && hour.toText == "2026-11-26T10:00:00Z")
        let onTheHour = ReportWindow.lastFullHour(now: 1_795_690_800)
        #expect(onTheHour.fromText == "2026-11-26T10:00:00Z")
        let since = ReportWindow.last(3600, now: now)
        #expect(since.contains(now) && since.contains(now - 3600) && !since.contains(now - 3601) && !since.contains(now + 1))
    }
}
