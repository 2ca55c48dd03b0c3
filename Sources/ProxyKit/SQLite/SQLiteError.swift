import CSQLite

/// A failed SQLite call: the result code, SQLite's own message, and the SQL that was running.
///
/// Shaped like GRDB's `DatabaseError`. `code` is the primary result code (`SQLITE_CONSTRAINT` = 19,
/// `SQLITE_BUSY` = 5, …); `extendedCode` refines it (`SQLITE_CONSTRAINT_UNIQUE` = 2067) because every
/// connection turns extended result codes on.
public struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The primary result code: the low 8 bits of `extendedCode`.
    public let code: Int32
    /// The extended result code as returned by SQLite.
    public let extendedCode: Int32
    /// SQLite's message (`sqlite3_errmsg`, or `sqlite3_errstr` when no connection exists).
    public let message: String
    /// The SQL being prepared or run, or nil when the failure is not tied to a statement.
    public let sql: String?

    /// Creates an error from an (extended) result code.
    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.code = extendedCode & 0xFF
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// Reads the message for `resultCode` from `db` (`sqlite3_errmsg`) or, without a connection,
    /// from SQLite's static table (`sqlite3_errstr`). Call it right after the failing call.
    init(resultCode: Int32, db: OpaquePointer?, sql: String? = nil) {
        let text: UnsafePointer<CChar>? = db.map { sqlite3_errmsg($0) } ?? sqlite3_errstr(resultCode)
        self.init(extendedCode: resultCode, message: text.map { String(cString: $0) } ?? "unknown error", sql: sql)
    }

    /// The lower-case name of the primary code, e.g. "constraint" for 19 or "busy" for 5.
    public var codeName: String {
        switch self.code {
        case 0: return "ok"
        case 1: return "error"
        case 2: return "internal"
        case 3: return "perm"
        case 4: return "abort"
        case 5: return "busy"
        case 6: return "locked"
        case 7: return "nomem"
        case 8: return "readonly"
        case 9: return "interrupt"
        case 10: return "ioerr"
        case 11: return "corrupt"
        case 12: return "notfound"
        case 13: return "full"
        case 14: return "cantopen"
        case 15: return "protocol"
        case 16: return "empty"
        case 17: return "schema"
        case 18: return "toobig"
        case 19: return "constraint"
        case 20: return "mismatch"
        case 21: return "misuse"
        case 22: return "nolfs"
        case 23: return "auth"
        case 24: return "format"
        case 25: return "range"
        case 26: return "notadb"
        case 27: return "notice"
        case 28: return "warning"
        case 100: return "row"
        case 101: return "done"
        default: return "unknown"
        }
    }

    /// "SQLite error 19 (constraint): UNIQUE constraint failed: keys.id — in: INSERT …".
    /// SQL longer than 200 characters is cut short with "…".
    public var description: String {
        var text = "SQLite error \(self.code) (\(self.codeName)): \(self.message)"
        if let sql = self.sql {
            let limit = 200
            text += " — in: " + (sql.count > limit ? sql.prefix(limit) + "…" : sql)
        }
        return text
    }
}
