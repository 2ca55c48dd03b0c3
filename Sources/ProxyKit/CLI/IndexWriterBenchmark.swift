import Foundation

/// `ds4-proxy bench index-writer [--records N] [--data DIR]`: measures the usage index writer
/// (the real `UsageIndexWriter`, batching into SQLite) on this machine. Diagnostics, not a test.
enum IndexWriterBenchmark {
    static func run(records: Int, dataDirectory: String) -> (text: String, status: Int32) {
        let logger = Logger(level: .warning)
        do {
            let db = try ProxyDatabase.open(dataDirectory: dataDirectory)
            db.close()
        } catch {
            return ("ds4-proxy: \(error)\n", 1)
        }
        let writer = UsageIndexWriter(dataDirectory: dataDirectory, logger: logger)
        writer.start()
        let users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
        let start = Deadline.now()
        let base = Authenticator.now() - records / 100
        for i in 0..<records {
            writer.enqueue(UsageRecord(
                ts: base + i / 100, user: users[i % users.count], model: "deepseek-ai/DeepSeek-V4-Flash", promptTokens: 1000 + i % 5000,
                completionTokens: 10 + i % 900, durationMs: 100 + i % 20_000, requestID: RequestID.generate(), keyID: "AbCd\(i % 8)xyz",
                status: i % 50 == 0 ? 429 : 200, stream: i % 3 != 0, ttftMs: 50 + i % 400, usageSource: .upstream, reason: nil, clientIP: "100.64.0.\(i % 8)"))
        }
        let enqueued = Double(start.millisecondsSince) / 1000
        let deadline = Deadline.after(seconds: 300)
        while writer.insertedCount < records && !deadline.hasPassed { usleep(1_000) }
        let seconds = Double(start.millisecondsSince) / 1000
        writer.stop()
        let rate = Double(writer.insertedCount) / max(seconds, 0.001)
        let verdict = seconds <= 10 * Double(records) / 1_000_000 ? "PASS" : "FAIL"
        let text = String(format: "bench index-writer records=%d inserted=%d enqueue_s=%.2f total_s=%.2f records_per_s=%.0f target<=10s/1M: %@\n",
                          records, writer.insertedCount, enqueued, seconds, rate, verdict)
        return (text, writer.insertedCount == records ? 0 : 1)
    }
}
