/// The `usage` table of the proxy database: the index `usage-report` and admin queries read.
/// Rows are keyed by (request_id, ts): client-supplied request ids need not be unique.
public enum UsageIndex {
    static let columns = """
        ts, user, model, prompt_tokens, completion_tokens, duration_ms, request_id, key_id, status, stream, \
        ttft_ms, usage_source, reason, client_ip
        """
    static let columnCount = columns.split(separator: ",").count

    /// An INSERT of `rows` rows (`?` parameters numbered row by row, in `columns` order).
    static func insertSQL(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columnCount).joined(separator: ", ") + ")"
        return "INSERT INTO usage (\(columns)) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// Inserts `records` in one transaction.
    public static func insert(_ records: [UsageRecord], into db: SQLiteConnection) throws(SQLiteError) {
        guard !records.isEmpty else { return }
        var inserter = try RowInserter(db: db)
        try insert(records, with: &inserter, into: db)
    }

    /// Inserts `records` in one transaction with `inserter` (a writer keeps one for its
    /// connection's lifetime: the statements are prepared once, not per batch).
    static func insert(_ records: [UsageRecord], with inserter: inout RowInserter, into db: SQLiteConnection) throws(SQLiteError) {
        guard !records.isEmpty else { return }
        try db.sqliteTransaction { () throws(SQLiteError) in
            try inserter.insert(contentsOf: records)
        }
    }

    /// Inserts rows, binding column by column (no `[SQLiteValue]` per record: the proxy
    /// inserts one row per request it serves). Batches go `rowsPerStatement` rows to a
    /// statement: each statement run opens and closes a cursor on the table and on both
    /// indexes, which cost about as much as a row. The rows' texts are copied into one reused
    /// buffer and bound without SQLite copying them again (`SQLITE_STATIC`): no allocation
    /// per text column.
    struct RowInserter {
        static let rowsPerStatement = 32
        private let single: SQLiteStatement
        private let multiple: SQLiteStatement
        private var texts: [UInt8] = []
        /// Where each text parameter's bytes sit in `texts` (nil: NULL).
        private var spans: [(index: Int32, range: Range<Int>?)] = []

        init(db: SQLiteConnection) throws(SQLiteError) {
            single = try db.prepare(UsageIndex.insertSQL(rows: 1))
            multiple = try db.prepare(UsageIndex.insertSQL(rows: Self.rowsPerStatement))
            // Room for a full statement's rows (7 text columns, about 100 text bytes a row).
            texts.reserveCapacity(128 * Self.rowsPerStatement)
            spans.reserveCapacity(7 * Self.rowsPerStatement)
        }

        /// Inserts one row.
        mutating func insert(_ r: UsageRecord) throws(SQLiteError) {
            try run(CollectionOfOne(r), on: single)
        }

        /// Inserts `records`, `rowsPerStatement` at a time, the rest one by one.
        mutating func insert(contentsOf records: [UsageRecord]) throws(SQLiteError) {
            var start = records.startIndex
            while records.endIndex - start >= Self.rowsPerStatement {
                try run(records[start..<(start + Self.rowsPerStatement)], on: multiple)
                start += Self.rowsPerStatement
            }
            while start < records.endIndex {
                try run(CollectionOfOne(records[start]), on: single)
                start += 1
            }
        }

        /// Binds `rows` (exactly as many as `statement` inserts) and runs it.
        private mutating func run(_ rows: some Collection<UsageRecord>, on statement: SQLiteStatement) throws(SQLiteError) {
            texts.removeAll(keepingCapacity: true)
            spans.removeAll(keepingCapacity: true)
            func text(_ value: String?, at index: Int32) {
                guard let value else { return spans.append((index, nil)) }
                let start = texts.count
                texts.append(contentsOf: value.utf8)
                spans.append((index, start..<texts.count))
            }
            var base: Int32 = 0
            for r in rows {
                statement.uncheckedBind(r.ts, at: base + 1)
                statement.uncheckedBind(r.promptTokens, at: base + 4)
                statement.uncheckedBind(r.completionTokens, at: base + 5)
                statement.uncheckedBind(r.durationMs, at: base + 6)
                statement.uncheckedBind(r.status, at: base + 9)
                statement.uncheckedBind(r.stream ? 1 : 0, at: base + 10)
                statement.uncheckedBind(r.ttftMs, at: base + 11)
                text(r.user, at: base + 2)
                text(r.model, at: base + 3)
                text(r.requestID, at: base + 7)
                text(r.keyID, at: base + 8)
                text(r.usageSource.rawValue, at: base + 12)
                text(r.reason, at: base + 13)
                text(r.clientIP, at: base + 14)
                base += Int32(UsageIndex.columnCount)
            }
            // The bound pointers are valid only in here: every text parameter is bound again
            // before the next step, so none is read after `texts` changes.
            try texts.withUnsafeBufferPointer { (bytes) throws(SQLiteError) in
                for (index, range) in spans { statement.uncheckedBindStatic(range.map { UnsafeBufferPointer(rebasing: bytes[$0]) }, at: index) }
                try statement.uncheckedRunAndReset()
            }
        }
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
