import CSQLite
import Glibc

/// Reads the window's records from the proxy's SQLite index into an aggregator: one prepared
/// range query on the `usage_ts` index, integer columns read directly and names interned from
/// their raw bytes (no String per row). The database is opened read-only and never created.
struct SQLiteUsageReader {
    let path: String

    static let selectSQL = """
        SELECT ts, user, model, prompt_tokens, completion_tokens, duration_ms, status, stream, ttft_ms, reason
        FROM usage WHERE ts >= ?1 AND ts < ?2
        """

    func read(into aggregator: inout UsageAggregator) throws(ReportError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .input("\(path): no such database (give --db FILE, or --jsonl FILE for the journal)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .input("\(path): not a regular file") }
        let db: SQLiteConnection
        do { db = try SQLiteConnection(path: path, readOnly: true) } catch {
            throw .input("\(path): cannot open: \(error.message)")
        }
        defer { db.close() }
        let statement: SQLiteStatement
        do { statement = try db.prepare(Self.selectSQL) } catch {
            if error.message.contains("no such table") { throw .input("\(path): no usage table (is this ds4-proxy's database?)") }
            throw .input("\(path): \(error.message)")
        }
        do throws(SQLiteError) {
            try statement.bind([.integer(Int64(aggregator.window.from)), .integer(Int64(aggregator.window.to))])
            while try statement.step() {
                let sample = UsageSample(
                    ts: statement.uncheckedNonNullInt(0),
                    user: aggregator.users.id(for: statement.uncheckedText(1)),
                    model: aggregator.models.id(for: statement.uncheckedText(2)),
                    promptTokens: statement.uncheckedInt(3),
                    completionTokens: statement.uncheckedInt(4),
                    durationMs: statement.uncheckedNonNullInt(5),
                    status: statement.uncheckedNonNullInt(6),
                    ttftMs: statement.uncheckedInt(8),
                    stream: statement.uncheckedNonNullInt(7) != 0,
                    reason: LimitReason(bytes: statement.uncheckedText(9)))
                aggregator.add(sample)
            }
        } catch {
            throw .input("\(path): \(error.message)")
        }
    }
}
