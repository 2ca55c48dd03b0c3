import Foundation
@testable import ProxyKit

/// A generated usage data set with known answers, written both as a JSONL journal and into a
/// real SQLite index (through the proxy's own `UsageIndex.insert`), plus the expected numbers
/// computed here in plain Swift, without the report's aggregator.
struct ReportFixture {
    /// 2026-11-26T09:00:00Z: the data set covers 09:00–12:00 UTC.
    static let start = 1_795_683_600
    let directory: String
    let records: [UsageRecord]
    var journalPath: String { directory + "/usage.jsonl" }
    var databasePath: String { directory + "/data/ds4.sqlite" }

    /// `records` written to a new temp directory as both journal and index.
    init(records: [UsageRecord]) throws {
        directory = ProxyProcess.makeTemporaryDirectory()
        self.records = records
        try Data(records.flatMap(\.jsonLine)).write(to: URL(fileURLWithPath: journalPath))
        let db = try ProxyDatabase.open(dataDirectory: directory + "/data")
        defer { db.close() }
        try UsageIndex.insert(records, into: db)
    }

    init() throws { try self.init(records: Self.generated()) }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs the real `usage-report` binary.
    static func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(ProxyProcess.binary("usage-report").path, arguments, environment: [:], stdin: stdin)
    }

    /// ~900 records over three hours: three users and unauthenticated requests, two models and
    /// none, streams with and without TTFT, upstream / estimated / missing usage, 5xx, every
    /// rejection kind, other 4xx, clamped requests, a few large contexts. A fixed-seed LCG keeps
    /// it the same on every run.
    static func generated(count: Int = 900) -> [UsageRecord] {
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let users: [String?] = ["alice", "alice", "alice", "bob", "bob", "carol", nil]
        let models: [String?] = ["m1", "m1", "m2", nil]
        var out: [UsageRecord] = []
        for i in 0..<count {
            let ts = start + i * (3 * 3600) / count + (i % 3)
            var user = users[next(users.count)]
            let stream = next(2) == 0
            var prompt: Int? = 10 + next(5000)
            var completion: Int? = 1 + next(800)
            if next(40) == 0 { prompt = 90_000 + next(30_000) }
            var status = 200
            var reason: String?
            var source = UsageRecord.Source.upstream
            var ttft: Int? = stream ? 20 + next(900) : nil
            if stream && next(10) == 0 { ttft = nil }
            switch next(30) {
            case 0: status = 401; reason = UsageReason.invalidAPIKey; user = nil
            case 1: status = 403; reason = UsageReason.modelNotAllowed
            case 2: status = 429; reason = UsageReason.rateLimited
            case 3: status = 429; reason = UsageReason.quotaExceeded
            case 4: status = 400; reason = UsageReason.contextCapExceeded
            case 5: status = 400; reason = UsageReason.malformedRequest
            case 6: status = 404; reason = UsageReason.notFound
            case 7: status = 502; reason = UsageReason.upstreamUnreachable
            case 8: status = 500; reason = UsageReason.upstreamError; completion = nil
            case 9: status = 499; reason = UsageReason.clientDisconnected; source = .estimated
            case 10: reason = UsageReason.noUsageReported; source = .estimated
            case 11: reason = UsageReason.contextClamped
            case 12: status = 200; prompt = nil; completion = nil; source = .none
            default: break
            }
            if [401, 403, 404, 429, 502].contains(status) || (status == 400) {
                prompt = nil; completion = nil; ttft = nil; source = .none
            }
            out.append(UsageRecord(
                ts: ts, user: user, model: models[next(models.count)], promptTokens: prompt, completionTokens: completion,
                durationMs: 1 + next(20_000), requestID: "req-\(i)", keyID: user.map { "k-\($0)" }, status: status,
                stream: stream, ttftMs: ttft, usageSource: source, reason: reason, clientIP: "100.64.0.\(i % 7)"))
        }
        return out
    }
}

/// The report's numbers for one group, computed straight from the records.
struct ExpectedGroup: Equatable {
    var requests = 0, succeeded = 0, errors = 0, rejected401 = 0, rejected403 = 0, rate429 = 0, quota429 = 0, cap400 = 0
    var other = 0, prompt = 0, completion = 0, withoutUsage = 0
    var p50: Int?, p95: Int?, ttftP50: Int?, ttftP95: Int?
    var tokensPerSecond: Double?
    var share = 0.0
    var total: Int { prompt + completion }
    var rejected: Int { rejected401 + rejected403 + rate429 + quota429 + cap400 }

    init() {}

    init(_ records: [UsageRecord], windowTokens: Int) {
        var durations: [Int] = [], ttfts: [Int] = []
        var rateTokens = 0, rateMs = 0
        for r in records {
            requests += 1
            switch (r.status, r.reason) {
            case (200..<300, _):
                succeeded += 1
                durations.append(r.durationMs)
                if let c = r.completionTokens { rateTokens += c; rateMs += r.durationMs }
            case (500..<600, _): errors += 1
            case (401, _): rejected401 += 1
            case (403, _): rejected403 += 1
            case (429, "rate_limited"): rate429 += 1
            case (429, "quota_exceeded"): quota429 += 1
            case (400, "context_cap_exceeded"): cap400 += 1
            default: other += 1
            }
            prompt += r.promptTokens ?? 0
            completion += r.completionTokens ?? 0
            if r.promptTokens == nil || r.completionTokens == nil { withoutUsage += 1 }
            if r.stream, let t = r.ttftMs { ttfts.append(t) }
        }
        p50 = Self.nearestRank(50, durations)
        p95 = Self.nearestRank(95, durations)
        ttftP50 = Self.nearestRank(50, ttfts)
        ttftP95 = Self.nearestRank(95, ttfts)
        tokensPerSecond = rateMs > 0 ? Double(rateTokens) / (Double(rateMs) / 1000) : nil
        share = windowTokens > 0 ? Double(prompt + completion) / Double(windowTokens) : 0
    }

    /// Nearest rank, written independently: the smallest value with at least p% of values ≤ it.
    static func nearestRank(_ p: Int, _ values: [Int]) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.first { v in sorted.filter { $0 <= v }.count * 100 >= p * sorted.count }
    }
}

/// KV-pressure numbers for one user, computed straight from the records.
struct ExpectedKV: Equatable {
    var peak: Int?
    var over100K = 0, clamped = 0, capRejected = 0
    var tokenMs = 0

    init(_ records: [UsageRecord]) {
        for r in records {
            if r.reason == "context_clamped" { clamped += 1 }
            if r.status == 400 && r.reason == "context_cap_exceeded" { capRejected += 1 }
            guard let p = r.promptTokens, let c = r.completionTokens else { continue }
            peak = max(peak ?? 0, p + c)
            if p + c > 100_000 { over100K += 1 }
            tokenMs += (p + c) * r.durationMs
        }
    }
}

extension ReportFixture {
    /// Records in `[from, to)`.
    func records(from: Int, to: Int) -> [UsageRecord] { records.filter { $0.ts >= from && $0.ts < to } }

    /// Expected groups keyed by the group's label(s) as the JSON writes them ("" for null).
    func expectedGroups(from: Int, to: Int, key: (UsageRecord) -> String) -> [String: ExpectedGroup] {
        let window = records(from: from, to: to)
        let windowTokens = window.reduce(0) { $0 + ($1.promptTokens ?? 0) + ($1.completionTokens ?? 0) }
        return Dictionary(grouping: window, by: key).mapValues { ExpectedGroup($0, windowTokens: windowTokens) }
    }
}
