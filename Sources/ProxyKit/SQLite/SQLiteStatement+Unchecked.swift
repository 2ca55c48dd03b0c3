import CSQLite

/// Column reads and binds without the range checks and `SQLiteValue` boxing of the safe API,
/// for loops over millions of rows (the usage report, its data generator). The caller knows
/// its own SQL's column and parameter indexes (0-based columns, 1-based parameters).
extension SQLiteStatement {
    /// Column `index` as an integer; NULL reads as `null`.
    func uncheckedInt(_ index: Int32, null: Int = -1) -> Int {
        sqlite3_column_type(self.handle, index) == SQLITE_NULL ? null : Int(sqlite3_column_int64(self.handle, index))
    }

    /// Column `index` as an integer from a NOT NULL column.
    func uncheckedNonNullInt(_ index: Int32) -> Int {
        Int(sqlite3_column_int64(self.handle, index))
    }

    /// Column `index`'s UTF-8 bytes, valid until the next step or reset; nil for NULL.
    func uncheckedText(_ index: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let text = sqlite3_column_text(self.handle, index) else { return nil }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(self.handle, index)))
    }

    /// Binds an integer (nil binds NULL) to parameter `index`.
    func uncheckedBind(_ value: Int?, at index: Int32) {
        if let value {
            sqlite3_bind_int64(self.handle, index, Int64(value))
        } else {
            sqlite3_bind_null(self.handle, index)
        }
    }

    /// Binds text (nil binds NULL) to parameter `index`; SQLite copies the bytes.
    func uncheckedBind(_ value: String?, at index: Int32) {
        guard var value else {
            sqlite3_bind_null(self.handle, index)
            return
        }
        // SQLITE_TRANSIENT (a macro Swift cannot import): SQLite copies the bytes before returning.
        let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
        value.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                _ = sqlite3_bind_text(self.handle, index, "", 0, transient)
                return
            }
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { text in
                _ = sqlite3_bind_text(self.handle, index, text, Int32(bytes.count), transient)
            }
        }
    }

    /// Binds UTF-8 text (nil binds NULL) to parameter `index` without SQLite copying it
    /// (`SQLITE_STATIC`): the bytes must stay valid and unchanged until the parameter is bound
    /// again or the statement is finalized, and must not be read by a step after that.
    func uncheckedBindStatic(_ bytes: UnsafeBufferPointer<UInt8>?, at index: Int32) {
        guard let bytes else {
            sqlite3_bind_null(self.handle, index)
            return
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            _ = sqlite3_bind_text(self.handle, index, "", 0, nil)
            return
        }
        base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { text in
            _ = sqlite3_bind_text(self.handle, index, text, Int32(bytes.count), nil)
        }
    }

    /// Steps once, ignoring rows, and resets for the next bind (an INSERT in a loop).
    func uncheckedRunAndReset() throws(SQLiteError) {
        let code = sqlite3_step(self.handle)
        sqlite3_reset(self.handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw SQLiteError(resultCode: code, db: sqlite3_db_handle(self.handle), sql: self.sql)
        }
    }
}
