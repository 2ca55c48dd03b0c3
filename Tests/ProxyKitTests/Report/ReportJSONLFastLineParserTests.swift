import Testing
@testable import ProxyKit

/// The journal's fast path agrees with the general parser on every line it accepts, and
/// declines (rather than misreads) every line it is not sure of.
@Suite struct ReportJSONLFastLineParserTests {
    /// The sample the general parser's record becomes.
    func generalSample(_ line: [UInt8], users: inout NameTable, models: inout NameTable) -> UsageSample? {
        guard let r = UsageRecord(jsonLine: line) else { return nil }
        return UsageSample(ts: r.ts, user: users.id(for: r.user), model: models.id(for: r.model), promptTokens: r.promptTokens ?? -1,
                           completionTokens: r.completionTokens ?? -1, durationMs: r.durationMs, status: r.status,
                           ttftMs: r.ttftMs ?? -1, stream: r.stream, reason: LimitReason(r.reason))
    }

    func fast(_ line: [UInt8], _ parser: inout JSONLFastLineParser, users: inout NameTable, models: inout NameTable) -> UsageSample? {
        let everything = ReportWindow(from: Int.min / 2, to: Int.max / 2)
        switch line.withUnsafeBufferPointer({ parser.parse($0, window: everything, users: &users, models: &models) }) {
        case let .inWindow(sample): return sample
        case .outsideWindow: Issue.record("outside an unbounded window"); return nil
        case .declined: return nil
        }
    }

    @Test func agreesWithTheGeneralParserOnWrittenRecords() {
        var parser = JSONLFastLineParser()
        var users = NameTable(), models = NameTable()
        var accepted = 0
        var records = ReportFixture.generated(count: 400)
        records[3].user = "zoë"             // non-ASCII: declined
        records[4].model = "a\"quoted\"model" // escapes: declined
        records[5].reason = "line\nbreak"
        records[6].ts = 0
        records[7].durationMs = 0
        for record in records {
            let line = Array(record.jsonLine.dropLast())
            let general = generalSample(line, users: &users, models: &models)
            #expect(general != nil)
            if let sample = fast(line, &parser, users: &users, models: &models) {
                accepted += 1
                #expect(sample.ts == general?.ts && sample.user == general?.user && sample.model == general?.model)
                #expect(sample.promptTokens == general?.promptTokens && sample.completionTokens == general?.completionTokens)
                #expect(sample.durationMs == general?.durationMs && sample.status == general?.status && sample.ttftMs == general?.ttftMs)
                #expect(sample.stream == general?.stream && sample.reason == general?.reason)
            }
        }
        #expect(accepted == records.count - 3)
    }

    @Test func recordsOutsideTheWindowAreValidatedButNotInterned() {
        var parser = JSONLFastLineParser()
        var users = NameTable(), models = NameTable()
        let record = ReportFixture.generated(count: 1)[0]
        let line = Array(record.jsonLine.dropLast())
        let before = ReportWindow(from: record.ts + 1, to: record.ts + 10)
        let outcome = line.withUnsafeBufferPointer { parser.parse($0, window: before, users: &users, models: &models) }
        guard case .outsideWindow = outcome else { Issue.record("\(outcome)"); return }
        #expect(users.names.isEmpty && models.names.isEmpty)
        let broken = Array(line.dropLast())
        let declined = broken.withUnsafeBufferPointer { parser.parse($0, window: before, users: &users, models: &models) }
        guard case .declined = declined else { Issue.record("\(declined)"); return }
    }

    @Test func declinesWhatItIsNotSureOf() {
        var parser = JSONLFastLineParser()
        var users = NameTable(), models = NameTable()
        let good = String(decoding: ReportFixture.generated(count: 1)[0].jsonLine.dropLast(), as: UTF8.self)
        #expect(fast(Array(good.utf8), &parser, users: &users, models: &models) != nil)
        let variants = [
            good + " ", good + "\r", " " + good, good.replacingOccurrences(of: "\"status\":", with: "\"status\": "),
            good.replacingOccurrences(of: "\"duration_ms\":", with: "\"duration_ms\":0"),
            good.replacingOccurrences(of: "\"duration_ms\":", with: "\"duration_ms\":-"),
            good.replacingOccurrences(of: "\"usage_source\":\"", with: "\"usage_source\":\"x"),
            good.replacingOccurrences(of: "2026-11-26T", with: "2026-02-30T"),
            good.replacingOccurrences(of: "T09:", with: "T24:"),
            String(good.dropLast()) + ",\"extra\":1}",
            String(good.prefix(good.count / 2)), "", "{}",
        ]
        for variant in variants {
            #expect(fast(Array(variant.utf8), &parser, users: &users, models: &models) == nil, "\(variant)")
        }
    }
}

extension UsageSample: Equatable {
    public static func == (a: UsageSample, b: UsageSample) -> Bool {
        a.ts == b.ts && a.user == b.user && a.model == b.model && a.promptTokens == b.promptTokens
            && a.completionTokens == b.completionTokens && a.durationMs == b.durationMs && a.status == b.status
            && a.ttftMs == b.ttftMs && a.stream == b.stream && a.reason == b.reason
    }
}
