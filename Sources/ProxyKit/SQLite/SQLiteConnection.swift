import CSQLite

#if canImport(Glibc)
import Glibc
#endif

/// One SQLite connection that owns its `sqlite3*`.
///
/// Not `Sendable`: it is opened with `SQLITE_OPEN_NOMUTEX` (multi-thread mode), so the owner must confine it
/// to one thread at a time, typically a dedicated serial `DispatchQueue` (GRDB's shape). Never call it from the
/// cooperative pool: SQLite calls block, for up to the 5 s busy timeout.
///
/// Every read-write connection runs with:
/// - `PRAGMA journal_mode=WAL`: readers in other processes (usage-report) do not block the proxy's writes.
/// - `PRAGMA synchronous=NORMAL`: safe with WAL; a power loss may drop the last commits, never corrupt the file.
/// - `PRAGMA foreign_keys=ON`, a busy timeout of 5,000 ms, and extended result codes.
/// - `PRAGMA temp_store=MEMORY`: statement journals (a multi-row INSERT keeps one, so a failing
///   row can undo the rows before it) stay in memory instead of spilling to a temporary file,
///   which cost the usage index writer one `pwrite` per row.
///
/// **File permissions.** A new database file is created by this initializer with mode 0600 before SQLite opens it.
/// SQLite creates the `-wal` and `-shm` side files with the database file's permissions (its unix VFS copies
/// `st_mode & 0777` from the database file), so they are 0600 too. SQLite also opens every file with `O_CLOEXEC`
/// itself (there is no `SQLITE_OPEN_CLOEXEC` flag), so descriptors do not leak into spawned processes.
///
/// Call `close()` when done. `deinit` closes a connection that is still open, but asserts in debug builds.
public final class SQLiteConnection {
    /// The busy timeout, in milliseconds, set on every connection.
    public static let busyTimeoutMilliseconds: Int32 = 5_000

    /// Process-wide settings applied once, before the first connection initialises SQLite:
    /// no memory statistics (nothing reads them, and they take a global mutex per allocation).
    /// Fails harmlessly (SQLITE_MISUSE) if SQLite was initialised already.
    private static let libraryConfigured: Void = { _ = ds4_sqlite3_disable_memstatus() }()

    /// The path the connection was opened with.
    public let path: String
    private var handle: OpaquePointer?

    /// Opens (and for read-write, creates with mode 0600) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: A file path, or ":memory:" for a private in-memory database.
    ///   - readOnly: Open with `SQLITE_OPEN_READONLY`; the file must exist and the journal mode is left as it is.
    /// - Throws: `SQLiteError` when the file cannot be created or opened, or a setup pragma fails.
    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        _ = Self.libraryConfigured
        self.path = path
        let isFile = !path.isEmpty && path != ":memory:"
        if isFile && !readOnly {
            try Self.createFileIfMissing(path)
        }

        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteError(resultCode: code, db: db, sql: nil)
            // sqlite3_open_v2 may allocate a handle even on failure; closing NULL is a harmless no-op.
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Self.busyTimeoutMilliseconds)
        do {
            if !readOnly {
                try self.execute("PRAGMA journal_mode=WAL")
                try self.execute("PRAGMA synchronous=NORMAL")
                try self.execute("PRAGMA temp_store=MEMORY")
            }
            try self.execute("PRAGMA foreign_keys=ON")
        } catch {
            self.close()
            throw error
        }
    }

    /// Creates `path` with mode 0600 if it does not exist, so SQLite never creates it with 0644.
    ///
    /// The file is only opened when it does not exist yet: closing a descriptor of a database
    /// file releases every POSIX lock this process holds on it, including the locks of other
    /// live connections (SQLite's documented "close() breaks locks" hazard), which lets another
    /// process's commit be lost.
    private static func createFileIfMissing(_ path: String) throws(SQLiteError) {
        var info = stat()
        if stat(path, &info) == 0 { return }
        let fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST { return }
        guard fd >= 0 else {
            let code = errno
            throw SQLiteError(
                extendedCode: SQLITE_CANTOPEN,
                message: "cannot create \(path): \(String(cString: strerror(code)))"
            )
        }
        closeDescriptor(fd)
    }

    deinit {
        assert(self.handle == nil, "SQLiteConnection for \(self.path) deinitialized while open; call close()")
        self.close()
    }

    /// Closes the connection. Idempotent. Uses `sqlite3_close_v2`, so statements that are still alive
    /// keep the handle as a "zombie" until they are finalized.
    public func close() {
        guard let handle = self.handle else { return }
        self.handle = nil
        sqlite3_close_v2(handle)
    }

    /// True after `close()`.
    public var isClosed: Bool { self.handle == nil }

    private var db: OpaquePointer {
        guard let handle = self.handle else {
            preconditionFailure("SQLiteConnection for \(self.path) used after close()")
        }
        return handle
    }

    // MARK: Running SQL

    /// Runs a script of one or more `;`-separated statements (`sqlite3_exec`); result rows are ignored.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(self.db, sql, nil, nil, &message)
        guard code != SQLITE_OK else { return }
        defer { sqlite3_free(message) }
        if let message {
            throw SQLiteError(extendedCode: code, message: String(cString: message), sql: sql)
        }
        throw SQLiteError(resultCode: code, db: self.db, sql: sql)
    }

    /// Prepares exactly one statement.
    ///
    /// - Throws: `SQLiteError` carrying `sql` for a syntax or schema error, and code 21 (misuse) when `sql`
    ///   holds no statement or more than one (use `execute(_:)` for scripts).
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        var extra = false
        let code = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(self.db, text, -1, &statement, &tail)
            if code == SQLITE_OK, let tail, tail.pointee != 0 {
                // Anything after the first statement must be whitespace or comments, which prepare to NULL.
                var next: OpaquePointer?
                if sqlite3_prepare_v2(self.db, tail, -1, &next, nil) != SQLITE_OK || next != nil { extra = true }
                sqlite3_finalize(next)
            }
            return code
        }
        guard code == SQLITE_OK else { throw SQLiteError(resultCode: code, db: self.db, sql: sql) }
        guard let statement else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "no SQL statement to prepare", sql: sql)
        }
        guard !extra else {
            sqlite3_finalize(statement)
            throw SQLiteError(
                extendedCode: SQLITE_MISUSE,
                message: "more than one SQL statement; use execute(_:) for scripts",
                sql: sql
            )
        }
        return SQLiteStatement(handle: statement, sql: sql)
    }

    /// Prepares `sql`, binds `values` and steps it to completion, ignoring any rows.
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) {
        let statement = try self.prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Prepares `sql`, binds `values` and maps every result row with `row`.
    public func query<T>(
        _ sql: String,
        _ values: [SQLiteValue] = [],
        row: (SQLiteStatement) throws -> T
    ) throws -> [T] {
        let statement = try self.prepare(sql)
        try statement.bind(values)
        var rows: [T] = []
        while try statement.step() {
            rows.append(try row(statement))
        }
        return rows
    }

    /// The first column of the first row of `sql`, as an integer (0 when there is no row).
    private func integerPragma(_ sql: String) throws(SQLiteError) -> Int {
        let statement = try self.prepare(sql)
        return try statement.step() ? Int(statement.int(0)) : 0
    }

    // MARK: Transactions

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`, and rolls back if `body` or the commit throws.
    ///
    /// IMMEDIATE takes the write lock up front, so a busy database fails (after the busy timeout) at BEGIN rather
    /// than halfway through. Transactions do not nest: calling this inside another transaction throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try self.execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try self.execute("COMMIT")
            return result
        } catch {
            self.rollbackIfActive()
            throw error
        }
    }

    /// `transaction(_:)` for bodies that only throw `SQLiteError`.
    public func sqliteTransaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try self.execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try self.execute("COMMIT")
            return result
        } catch {
            self.rollbackIfActive()
            throw error
        }
    }

    /// Some errors (e.g. SQLITE_FULL) already rolled the transaction back; only roll back one still open.
    private func rollbackIfActive() {
        if sqlite3_get_autocommit(self.db) == 0 {
            try? self.execute("ROLLBACK")
        }
    }

    // MARK: Schema version and migrations

    /// `PRAGMA user_version`: the number of migrations applied so far.
    public var userVersion: Int {
        get throws(SQLiteError) { try self.integerPragma("PRAGMA user_version") }
    }

    /// Sets `PRAGMA user_version`.
    public func setUserVersion(_ version: Int) throws(SQLiteError) {
        try self.execute("PRAGMA user_version = \(Int32(clamping: version))")
    }

    /// Applies `migrations[userVersion...]` in order, each script in its own transaction that also bumps
    /// `user_version`, so a failed migration leaves the database at the previous version.
    ///
    /// The version is re-read inside each write transaction, so two processes migrating at once apply
    /// every migration exactly once.
    ///
    /// - Throws: SQLite's error for a failing script, or code 1 (error) when the database's `user_version`
    ///   is higher than `migrations.count` (it was written by a newer build).
    public func migrate(_ migrations: [String]) throws(SQLiteError) {
        while true {
            let done = try self.sqliteTransaction { () throws(SQLiteError) -> Bool in
                let version = try self.userVersion
                guard version <= migrations.count else {
                    throw SQLiteError(
                        extendedCode: SQLITE_ERROR,
                        message: "database schema version \(version) is newer than this build's \(migrations.count)"
                    )
                }
                guard version < migrations.count else { return true }
                try self.execute(migrations[version])
                try self.setUserVersion(version + 1)
                return false
            }
            if done { return }
        }
    }

    // MARK: Connection state

    /// `PRAGMA data_version`: changes whenever **another** connection (in this or another process) commits.
    /// Compare two readings to decide whether cached data must be reloaded; this connection's own commits
    /// do not change it.
    public func dataVersion() throws(SQLiteError) -> Int {
        try self.integerPragma("PRAGMA data_version")
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(self.db) }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    public var changes: Int { Int(sqlite3_changes(self.db)) }
}

/// libc `close`, which the `close()` method shadows inside the class.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

/// The connection is confined to one thread or serial queue at a time (`SQLITE_OPEN_NOMUTEX`).
@available(*, unavailable)
extension SQLiteConnection: Sendable {}
