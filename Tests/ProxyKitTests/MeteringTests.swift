import Foundation
import Glibc
import Testing
@testable import ProxyKit

/// Usage records through the real proxy: one per request, on every path, in the journal and
/// the SQLite index, written before the client sees its response complete.
@Suite(.serialized)
struct MeteringTests {
    /// The usage object of a JSON response body.
    func usage(of body: [UInt8]) -> (Int, Int)? {
        ResponseMeter.jsonUsage(body).flatMap { u in u.promptTokens.flatMap { p in u.completionTokens.map { (p, $0) } } }
    }

    @Test func nonStreamingUsageIsRecordedBeforeTheResponseCompletes() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        let body = #"{"model":"m","messages":[{"role":"user","content":"one two three four"}],"max_tokens":7}"#
        try client.send(RawRequest.post("/v1/chat/completions", json: body))
        let response = try client.readResponse()
        // No wait: the line was written before the last byte was sent.
        let record = try #require(proxy.journal().last)
        #expect(record.requestID == response.header("X-Request-Id"))
        let (prompt, completion) = try #require(usage(of: response.body))
        #expect(record.promptTokens == prompt && record.completionTokens == completion && completion == 7)
        #expect(prompt == FakeUpstream.promptTokens(Array(body.utf8)))
        #expect(record.usageSource == .upstream)
        #expect(record.user == "tester" && record.keyID == ProxyHarness.testKey.id && record.model == "m")
        #expect(record.status == 200 && !record.stream && record.ttftMs == nil && record.reason == nil)
        #expect(record.clientIP == "127.0.0.1")
        #expect(try proxy.indexRows() == proxy.journal())
    }

    @Test func streamingUsageAndTTFTAreRecorded() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        let body = #"{"model":"m","messages":[{"role":"user","content":"a b c"}],"max_tokens":5,"stream":true}"#
        try client.send(RawRequest.post("/v1/chat/completions", json: body))
        let response = try client.readResponse()
        #expect(!response.text.contains(#""choices":[]"#))
        let record = try #require(proxy.journal().last)
        #expect(record.requestID == response.header("X-Request-Id"))
        #expect(record.usageSource == .upstream)
        #expect(record.completionTokens == 5)
        #expect(record.promptTokens == FakeUpstream.promptTokens(Array(body.utf8).injectingUsageForTest()))
        #expect(record.stream && record.ttftMs != nil)
        #expect(try proxy.indexRows() == proxy.journal())
    }

    @Test func everyRejectionIsRecorded() throws {
        let closed = try Socket.listen(on: HostPort(host: "127.0.0.1", port: 0))
        let deadPort = closed.localPort()
        closed.close()
        let proxy = try ProxyHarness(upstreamURL: "http://127.0.0.1:\(deadPort)")
        _ = try proxy.admin(.setUser(name: "tester", rpm: nil, tpm: nil, dailyTokens: nil, maxConcurrent: nil, contextCap: nil, models: "m"))
        usleep(600_000)
        let cases: [(String, Int, String, String?)] = [
            (RawRequest.get("/metrics"), 404, "not_found", "tester?"),
            (RawRequest.post("/v1/chat/completions", json: "{}", key: nil), 401, "invalid_api_key", nil),
            (RawRequest.post("/v1/chat/completions", json: "{}", key: "sk-ds4-" + String(repeating: "x", count: 40)), 401, "invalid_api_key", nil),
            (RawRequest.post("/v1/chat/completions", json: #"{"model":"other"}"#), 403, "model_not_allowed", "tester"),
            (RawRequest.post("/v1/chat/completions", json: "{"), 400, "invalid_json", "tester"),
            (RawRequest.post("/v1/chat/completions", json: #"{"model":"m"}"#), 502, "upstream_unreachable", "tester"),
        ]
        for (request, status, reason, user) in cases {
            let client = try proxy.client()
            try client.send(request)
            let response = try client.readResponse(method: request.hasPrefix("GET") ? "GET" : "POST")
            #expect(response.status == status)
            let record = try #require(proxy.journal().last)
            #expect(record.status == status && record.reason == reason, "\(reason)")
            #expect(record.requestID == response.header("X-Request-Id"))
            #expect(record.usageSource == .none && record.promptTokens == nil && record.completionTokens == nil)
            if user == "tester" { #expect(record.user == "tester") }
            if user == nil { #expect(record.user == nil && record.keyID == nil) }
        }
        #expect(try proxy.journal().count == cases.count)
        #expect(try proxy.indexRows().count == cases.count)
    }

    @Test func clientAbortMidStreamIsEstimatedFromDeltasSeen() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        let body = #"{"model":"slow","messages":[{"role":"user","content":"x y z"}],"max_tokens":500,"stream":true}"#
        try client.send(RawRequest.post("/v1/chat/completions", json: body))
        var pieces = 0
        _ = try? client.readResponse(timeout: 0.3) { _ in pieces += 1 }
        client.close()
        #expect(proxy.upstream.waitUntil { (try? proxy.journal().count) == 1 })
        let record = try #require(proxy.journal().last)
        #expect(record.usageSource == .estimated)
        #expect(record.reason == "client_disconnected")
        #expect((record.completionTokens ?? 0) >= 3)
        #expect(record.completionTokens! <= pieces)
        #expect(record.promptTokens == InspectedBody.estimate(body))
        #expect(record.status == 200 && record.stream)
    }

    @Test func upstreamDyingMidStreamIsEstimatedWithAReason() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"midclose","max_tokens":10,"stream":true}"#))
        _ = try? client.readResponse()
        let record = try #require(proxy.journal().last)
        #expect(record.usageSource == .estimated)
        #expect(record.reason == "upstream_closed_mid_response")
        #expect(record.completionTokens == 2)
    }

    @Test func upstream500IsRecordedWithStatusAndReason() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"error-500"}"#))
        #expect(try client.readResponse().status == 500)
        let record = try #require(proxy.journal().last)
        #expect(record.status == 500 && record.reason == "upstream_error" && record.usageSource == .none)
    }

    @Test func journalMovedAwayIsReopenedWithoutLosingLines() throws {
        let proxy = try ProxyHarness()
        let path = proxy.dataDirectory + "/" + UsageJournal.fileName
        let client = try proxy.client()
        for _ in 0..<5 {
            try client.send(RawRequest.get("/v1/models"))
            _ = try client.readResponse(method: "GET")
        }
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        proxy.meter.reopenJournal()  // what SIGHUP does
        for _ in 0..<5 {
            try client.send(RawRequest.get("/v1/models"))
            _ = try client.readResponse(method: "GET")
        }
        let old = try String(contentsOfFile: path + ".1", encoding: .utf8).split(separator: "\n")
        let new = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(old.count == 5 && new.count == 5)
        #expect((old + new).allSatisfy { UsageRecord(jsonLine: Array($0.utf8)) != nil })
    }

    @Test func reconciliationRestoresWhatTheIndexMissed() throws {
        let dir = ProxyProcess.makeTemporaryDirectory() + "/data"
        let db = try ProxyDatabase.open(dataDirectory: dir)
        defer { db.close() }
        let journal = try UsageJournal(path: dir + "/usage.jsonl")
        var records: [UsageRecord] = []
        for i in 0..<50 {
            let r = UsageRecord(ts: 1_800_000_000 + i, user: "u", model: "m", promptTokens: i, completionTokens: i, durationMs: 1,
                                requestID: "r\(i % 40)", keyID: nil, status: 200, stream: false, ttftMs: nil, usageSource: .upstream, reason: nil, clientIP: nil)
            records.append(r)
            journal.append(r.jsonLine)
        }
        journal.close()
        try UsageIndex.insert(Array(records[0..<30]), into: db)
        #expect(try UsageReconciler.reconcile(journalPath: dir + "/usage.jsonl", db: db) == 20)
        #expect(try UsageIndex.records(in: db) == records)
        #expect(try UsageReconciler.reconcile(journalPath: dir + "/usage.jsonl", db: db) == 0)
    }

    /// Batches go 32 rows to a statement and the rest one by one: every size around those
    /// boundaries reads back as inserted, in order, NULLs and all.
    @Test func batchesOfEverySizeReadBackAsInserted() throws {
        let per = UsageIndex.RowInserter.rowsPerStatement
        for count in [1, per - 1, per, per + 1, 2 * per, 2 * per + 5] {
            let dir = ProxyProcess.makeTemporaryDirectory() + "/data"
            let db = try ProxyDatabase.open(dataDirectory: dir)
            defer { db.close() }
            let records = (0..<count).map { i in
                UsageRecord(ts: 1_800_000_000 + i, user: i % 3 == 0 ? nil : "user\(i % 5)", model: i % 4 == 0 ? nil : "m\(i)",
                            promptTokens: i % 6 == 0 ? nil : i * 7, completionTokens: i % 5 == 0 ? nil : i * 3, durationMs: i,
                            requestID: "req-\(i)", keyID: i % 2 == 0 ? nil : "key\(i)", status: [200, 401, 429, 502][i % 4],
                            stream: i % 2 == 0, ttftMs: i % 3 == 1 ? nil : i, usageSource: i % 3 == 0 ? .none : .upstream,
                            reason: i % 4 == 1 ? "client_disconnected" : nil, clientIP: i % 7 == 0 ? nil : "10.0.0.\(i)")
            }
            try UsageIndex.insert(records, into: db)
            #expect(try UsageIndex.records(in: db) == records, "\(count) records")
        }
    }
}

extension Array where Element == UInt8 {
    /// The body as the upstream receives it when the proxy asks for stream usage.
    func injectingUsageForTest() -> [UInt8] {
        (try? InspectedBody(body: self)).map { $0.injectingIncludeUsage(into: self) } ?? self
    }
}

extension InspectedBody {
    static func estimate(_ text: String) -> Int? { (try? InspectedBody(body: Array(text.utf8)))?.estimatedPromptTokens }
}

struct UsageJournalTests {
    @Test func aTornLastLineIsCutAtOpen() throws {
        let dir = ProxyProcess.makeTemporaryDirectory()
        let path = dir + "/usage.jsonl"
        try Data("{\"a\":1}\n{\"b\":2}\n{\"c\":".utf8).write(to: URL(fileURLWithPath: path))
        let journal = try UsageJournal(path: path)
        #expect(journal.repairedBytes == 5)
        journal.append(Array("{\"d\":4}\n".utf8))
        journal.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":1}\n{\"b\":2}\n{\"d\":4}\n")
        let clean = try UsageJournal(path: path)
        #expect(clean.repairedBytes == 0)
        clean.close()
    }
}
