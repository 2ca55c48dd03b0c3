/// The `usage` table of the proxy database: the index `usage-report` and admin queries read.
/// Rows are keyed by (request_id, ts): client-supplied request ids need not be unique.
public enum UsageIndex {
    static let insertSQL = """
        INSERT INTO usage (ts, user, model, prompt_tokens, completion_tokens, duration_ms, request_id, key_id, status, stream,
                           ttft_ms, usage_source, reason, client_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts `records` in one transaction with one prepared statement.
    public static func insert(_ records: [UsageRecord], into db: SQLiteConnection) throws(SQLiteError) {
        guard !records.isEmpty else { return }
        try db.sqliteTransaction { () throws(SQLiteError) in
            let statement = try db.prepare(insertSQL)
            for record in records {
                bind(record, to: statement)
                try statement.uncheckedRunAndReset()
            }
        }
    }

    /// Binds `r` to the parameters of `insertSQL`, column by column (no `[SQLiteValue]` per
    /// record: the proxy inserts one row per request it serves).
    static func bind(_ r: UsageRecord, to statement: SQLiteStatement) {
        statement.uncheckedBind(r.ts, at: 1)
        statement.uncheckedBind(r.user, at: 2)
        statement.uncheckedBind(r.model, at: 3)
        statement.uncheckedBind(r.promptTokens, at: 4)
        statement.uncheckedBind(r.completionTokens, at: 5)
        statement.uncheckedBind(r.durationMs, at: 6)
        statement.uncheckedBind(r.requestID, at: 7)
        statement.uncheckedBind(r.keyID, at: 8)
        statement.uncheckedBind(r.status, at: 9)
        statement.uncheckedBind(r.stream ? 1 : 0, at: 10)
        statement.uncheckedBind(r.ttftMs, at: 11)
        statement.uncheckedBind(r.usageSource.rawValue, at: 12)
        statement.uncheckedBind(r.reason, at: 13)
        statement.uncheckedBind(r.clientIP, at: 14)
    }

    /// Reads rows back (tests and reports).
    public static func records(in db: SQLiteConnection, where clause: String = "1", _ values: [SQLiteValue] = []) throws(SQLiteError) -> [UsageRecord] {
        let statement = try db.prepare("""
            SELECT ts, user, model, prompt_tokens, completion_tokens, duration_ms, request_id, key_id, status, stream, ttft_ms,
                   usage_source, reason, client_ip FROM usage WHERE \(clause) ORDER BY ts, rowid
            """)
        try statement.bind(values)
        var out: [UsageRecord] = []
        while try statement.step() {
            func int(_ i: Int) -> Int? { statement.optionalInt(i).map(Int.init) }
            out.append(UsageRecord(
                ts: Int(statement.int(0)), user: statement.optionalText(1), model: statement.optionalText(2), promptTokens: int(3),
                completionTokens: int(4), durationMs: Int(statement.int(5)), requestID: statement.text(6), keyID: statement.optionalText(7),
                status: Int(statement.int(8)), stream: statement.int(9) != 0, ttftMs: int(10),
                usageSource: UsageRecord.Source(rawValue: statement.text(11)) ?? .none, reason: statement.optionalText(12),
                clientIP: statement.optionalText(13)))
        }
        return out
    }

    /// The newest `ts` in the index, or nil when it is empty.
    public static func newestTimestamp(in db: SQLiteConnection) throws(SQLiteError) -> Int? {
        let statement = try db.prepare("SELECT max(ts) FROM usage")
        return try statement.step() ? statement.optionalInt(0).map(Int.init) : nil
    }
}
