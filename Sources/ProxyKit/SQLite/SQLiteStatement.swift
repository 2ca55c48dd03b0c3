import CSQLite

/// `SQLITE_TRANSIENT` is a macro Swift cannot import: it tells SQLite to copy bound text and blobs before the
/// bind call returns, so the Swift buffers may go away afterwards (the same definition as GRDB's).
private let SQLITE_TRANSIENT = unsafeBitCast(
    OpaquePointer(bitPattern: -1),
    to: sqlite3_destructor_type.self
)

/// A prepared statement that owns its `sqlite3_stmt*` and finalizes it in `deinit`.
///
/// Create one with `SQLiteConnection.prepare(_:)`, then `bind(_:)`, `step()` until it returns false, read columns
/// while it returns true, and `reset()` (or simply `bind(_:)` again) to run it once more. Column indexes start at 0;
/// an out-of-range index is a programmer error and traps.
///
/// A statement may outlive `SQLiteConnection.close()`: the connection closes with `sqlite3_close_v2`, which keeps
/// the database handle alive until the last statement is finalized. Using it after close is still a mistake.
public final class SQLiteStatement {
    /// The SQL this statement was prepared from.
    public let sql: String
    /// Internal (not private) for the report's column readers, which compare raw text bytes.
    let handle: OpaquePointer
    private let db: OpaquePointer

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
        self.db = sqlite3_db_handle(handle)
    }

    deinit {
        sqlite3_finalize(self.handle)
    }

    private func error(_ resultCode: Int32) -> SQLiteError {
        SQLiteError(resultCode: resultCode, db: self.db, sql: self.sql)
    }

    // MARK: Binding

    /// The number of `?` / `?NNN` / `:name` parameters in the SQL.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(self.handle)) }

    /// Resets the statement and binds `values` to parameters 1…n in order.
    ///
    /// - Throws: `SQLiteError` with code 25 (range) when `values.count` differs from `parameterCount`,
    ///   or SQLite's error when a value cannot be bound (e.g. it is too big).
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        self.reset()
        sqlite3_clear_bindings(self.handle)
        guard values.count == self.parameterCount else {
            throw SQLiteError(
                extendedCode: SQLITE_RANGE,
                message: "expected \(self.parameterCount) argument(s), got \(values.count)",
                sql: self.sql
            )
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case let .integer(number):
                code = sqlite3_bind_int64(self.handle, index, number)
            case let .real(number):
                code = sqlite3_bind_double(self.handle, index, number)
            case let .text(string):
                var string = string
                // `withUTF8` gives a nil base address for "", which SQLite would bind as NULL; pass a real "".
                code = string.withUTF8 { bytes in
                    guard let base = bytes.baseAddress, !bytes.isEmpty else {
                        return sqlite3_bind_text(self.handle, index, "", 0, SQLITE_TRANSIENT)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { text in
                        sqlite3_bind_text64(
                            self.handle, index, text, sqlite3_uint64(bytes.count), SQLITE_TRANSIENT, UInt8(SQLITE_UTF8))
                    }
                }
            case let .blob(bytes):
                code = bytes.withUnsafeBytes { raw in
                    guard let base = raw.baseAddress, !raw.isEmpty else {
                        return sqlite3_bind_zeroblob(self.handle, index, 0)
                    }
                    return sqlite3_bind_blob64(self.handle, index, base, sqlite3_uint64(raw.count), SQLITE_TRANSIENT)
                }
            case .null:
                code = sqlite3_bind_null(self.handle, index)
            }
            guard code == SQLITE_OK else { throw self.error(code) }
        }
    }

    // MARK: Stepping

    /// Runs the statement to its next row.
    ///
    /// - Returns: true when a row is available to read, false when the statement is done.
    /// - Throws: `SQLiteError` (e.g. a constraint violation, or busy after the connection's busy timeout).
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(self.handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw self.error(code)
        }
    }

    /// Rewinds the statement so it can run again. Bindings are kept; `bind(_:)` replaces them.
    ///
    /// Does not throw: `sqlite3_reset` only repeats the error of the last `step()`, which that call already threw.
    public func reset() {
        sqlite3_reset(self.handle)
    }

    // MARK: Columns

    /// The number of columns in each result row.
    public var columnCount: Int { Int(sqlite3_column_count(self.handle)) }

    /// The name of column `index` (its `AS` alias if it has one).
    public func columnName(_ index: Int) -> String {
        String(cString: sqlite3_column_name(self.handle, self.column(index)))
    }

    private func column(_ index: Int) -> Int32 {
        precondition(index >= 0 && index < self.columnCount, "column index \(index) out of range for: \(self.sql)")
        return Int32(index)
    }

    /// True when column `index` of the current row is NULL.
    public func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(self.handle, self.column(index)) == SQLITE_NULL
    }

    /// Column `index` as an integer (NULL reads as 0, text is converted by SQLite's rules).
    public func int(_ index: Int) -> Int64 {
        sqlite3_column_int64(self.handle, self.column(index))
    }

    /// Column `index` as an integer, or nil when it is NULL.
    public func optionalInt(_ index: Int) -> Int64? {
        self.isNull(index) ? nil : self.int(index)
    }

    /// Column `index` as a double (NULL reads as 0).
    public func double(_ index: Int) -> Double {
        sqlite3_column_double(self.handle, self.column(index))
    }

    /// Column `index` as a double, or nil when it is NULL.
    public func optionalDouble(_ index: Int) -> Double? {
        self.isNull(index) ? nil : self.double(index)
    }

    /// Column `index` as UTF-8 text (NULL reads as ""). Embedded NUL bytes are kept.
    public func text(_ index: Int) -> String {
        let column = self.column(index)
        // Ask for the text before its length: sqlite3_column_bytes then measures the UTF-8 form.
        guard let text = sqlite3_column_text(self.handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(self.handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` as text, or nil when it is NULL.
    public func optionalText(_ index: Int) -> String? {
        self.isNull(index) ? nil : self.text(index)
    }

    /// Column `index` as bytes (NULL and the empty blob read as []).
    public func blob(_ index: Int) -> [UInt8] {
        let column = self.column(index)
        guard let bytes = sqlite3_column_blob(self.handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(self.handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Column `index` as bytes, or nil when it is NULL.
    public func optionalBlob(_ index: Int) -> [UInt8]? {
        self.isNull(index) ? nil : self.blob(index)
    }

    /// Column `index` in its stored type.
    public func value(_ index: Int) -> SQLiteValue {
        switch sqlite3_column_type(self.handle, self.column(index)) {
        case SQLITE_INTEGER: return .integer(self.int(index))
        case SQLITE_FLOAT: return .real(self.double(index))
        case SQLITE_TEXT: return .text(self.text(index))
        case SQLITE_BLOB: return .blob(self.blob(index))
        default: return .null
        }
    }
}

/// Statements belong to their connection's thread or serial queue, exactly like the connection.
@available(*, unavailable)
extension SQLiteStatement: Sendable {}
