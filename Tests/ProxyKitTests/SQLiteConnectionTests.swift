import Foundation
import Glibc
import Testing

@testable import ProxyKit

/// Runs `body` with a fresh directory from `mkdtemp`, removed afterwards even when `body` throws.
private func withScratchDirectory(_ body: (String) throws -> Void) throws {
    var template = Array((NSTemporaryDirectory() + "/ds4-sqlite-XXXXXX").utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
    let directory = try #require(created.map { String(cString: $0) })
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try body(directory)
}

/// Permission bits of `path`, or nil when it does not exist.
private func permissions(_ path: String) -> mode_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
}

private struct TestFailure: Error {}

struct SQLiteConnectionTests {
    @Test func openCreatesFileWithMode0600AndEnablesWAL() throws {
        try withScratchDirectory { directory in
            let path = directory + "/proxy.sqlite"
            let db = try SQLiteConnection(path: path)
            defer { db.close() }

            #expect(permissions(path) == 0o600)
            #expect(try db.query("PRAGMA journal_mode") { $0.text(0) } == ["wal"])
            #expect(try db.query("PRAGMA foreign_keys") { $0.int(0) } == [1])
            #expect(try db.query("PRAGMA synchronous") { $0.int(0) } == [1])  // NORMAL

            // The side files appear on the first write and inherit the database file's mode.
            try db.execute("CREATE TABLE t (x)")
            #expect(permissions(path + "-wal") == 0o600)
            #expect(permissions(path + "-shm") == 0o600)
        }
    }

    @Test func openReadOnlyFailsForMissingFileAndRejectsWrites() throws {
        try withScratchDirectory { directory in
            let path = directory + "/missing.sqlite"
            let error = #expect(throws: SQLiteError.self) { try SQLiteConnection(path: path, readOnly: true) }
            #expect(error?.code == 14)  // cantopen
            #expect(permissions(path) == nil)

            let writer = try SQLiteConnection(path: path)
            defer { writer.close() }
            try writer.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
            let reader = try SQLiteConnection(path: path, readOnly: true)
            defer { reader.close() }
            #expect(try reader.query("SELECT x FROM t") { $0.int(0) } == [1])
            let writeError = #expect(throws: SQLiteError.self) { try reader.run("INSERT INTO t VALUES (2)") }
            #expect(writeError?.code == 8)  // readonly
        }
    }

    @Test func everyValueTypeRoundTrips() throws {
        try withScratchDirectory { directory in
            let db = try SQLiteConnection(path: directory + "/values.sqlite")
            defer { db.close() }
            try db.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, value)")

            let values: [SQLiteValue] = [
                .integer(Int64.max), .integer(Int64.min), 0, -1,
                .real(3.25), .real(-0.5), 1e300,
                "plain", "it's a \"quoted\" 'text'", "naïve café — 日本語 🚀", "", "nul\u{0}inside",
                .blob([0, 1, 2, 255, 0]), .blob([]),
                nil, true, false,
                SQLiteValue(42), SQLiteValue(Optional<String>.none), SQLiteValue("x" as String?), SQLiteValue(2.5),
            ]
            let insert = try db.prepare("INSERT INTO v (value) VALUES (?)")
            for value in values {
                try insert.bind([value])
                #expect(try insert.step() == false)
            }

            let read = try db.query("SELECT value FROM v ORDER BY id") { $0.value(0) }
            let expected = values.map { value -> SQLiteValue in value == true ? 1 : value == false ? 0 : value }
            #expect(read == expected)

            // The typed readers agree with the stored values.
            let row = try db.query(
                "SELECT ?, ?, ?, ?, ?, ?",
                [7, 1.5, "it's ünïcode", .blob([9, 8]), nil, ""]
            ) { statement in
                #expect(statement.columnCount == 6)
                #expect(statement.int(0) == 7)
                #expect(statement.double(1) == 1.5)
                #expect(statement.text(2) == "it's ünïcode")
                #expect(statement.blob(3) == [9, 8])
                #expect(statement.isNull(4))
                #expect(statement.optionalInt(4) == nil)
                #expect(statement.optionalText(4) == nil)
                #expect(statement.optionalText(5) == "")
                #expect(statement.optionalInt(0) == 7)
                return true
            }
            #expect(row == [true])
        }
    }

    @Test func constraintViolationThrowsCode19WithMessage() throws {
        try withScratchDirectory { directory in
            let db = try SQLiteConnection(path: directory + "/keys.sqlite")
            defer { db.close() }
            try db.execute("CREATE TABLE keys (id TEXT PRIMARY KEY NOT NULL)")
            try db.run("INSERT INTO keys (id) VALUES (?)", ["k1"])
            #expect(db.changes == 1)

            let error = #expect(throws: SQLiteError.self) {
                try db.run("INSERT INTO keys (id) VALUES (?)", ["k1"])
            }
            #expect(error?.code == 19)
            #expect(error?.extendedCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
            #expect(error?.message == "UNIQUE constraint failed: keys.id")
            #expect(error?.sql == "INSERT INTO keys (id) VALUES (?)")
            let expected = "SQLite error 19 (constraint): UNIQUE constraint failed: keys.id"
            #expect(error?.description == expected + " — in: INSERT INTO keys (id) VALUES (?)")
        }
    }

    @Test func transactionRollsBackWhenBodyThrows() throws {
        try withScratchDirectory { directory in
            let db = try SQLiteConnection(path: directory + "/tx.sqlite")
            defer { db.close() }
            try db.execute("CREATE TABLE t (x INTEGER)")

            #expect(throws: TestFailure.self) {
                try db.transaction {
                    try db.run("INSERT INTO t VALUES (1)")
                    try db.run("INSERT INTO t VALUES (2)")
                    throw TestFailure()
                }
            }
            #expect(try db.query("SELECT count(*) FROM t") { $0.int(0) } == [0])

            let id = try db.transaction { () throws -> Int64 in
                try db.run("INSERT INTO t VALUES (3)")
                return db.lastInsertRowID
            }
            #expect(id == 1)
            #expect(try db.query("SELECT x FROM t") { $0.int(0) } == [3])

            // The connection is usable again: no transaction was left open.
            try db.transaction { try db.run("INSERT INTO t VALUES (4)") }
            #expect(try db.query("SELECT count(*) FROM t") { $0.int(0) } == [2])
        }
    }

    @Test func migrationsApplyOnceInOrderAndBumpUserVersion() throws {
        try withScratchDirectory { directory in
            let path = directory + "/migrate.sqlite"
            var migrations = [
                "CREATE TABLE log (step INTEGER NOT NULL)",
                "INSERT INTO log VALUES (1)",
                "ALTER TABLE log ADD COLUMN note TEXT; INSERT INTO log VALUES (2, 'two')",
            ]

            let first = try SQLiteConnection(path: path)
            #expect(try first.userVersion == 0)
            try first.migrate(migrations)
            #expect(try first.userVersion == 3)
            #expect(try first.query("SELECT step FROM log ORDER BY rowid") { $0.int(0) } == [1, 2])
            first.close()

            // A second open re-applies nothing; a new migration applies alone.
            let second = try SQLiteConnection(path: path)
            defer { second.close() }
            try second.migrate(migrations)
            #expect(try second.userVersion == 3)
            #expect(try second.query("SELECT count(*) FROM log") { $0.int(0) } == [2])

            migrations.append("INSERT INTO log VALUES (3, 'three')")
            try second.migrate(migrations)
            #expect(try second.userVersion == 4)
            #expect(try second.query("SELECT step FROM log ORDER BY rowid") { $0.int(0) } == [1, 2, 3])

            // A failing migration rolls back its partial work and keeps the version.
            let failing = migrations + ["INSERT INTO log VALUES (4, 'four'); INSERT INTO nowhere VALUES (1)"]
            let error = #expect(throws: SQLiteError.self) { try second.migrate(failing) }
            #expect(error?.message == "no such table: nowhere")
            #expect(try second.userVersion == 4)
            #expect(try second.query("SELECT count(*) FROM log") { $0.int(0) } == [3])

            // A database from a newer build is refused.
            let newer = #expect(throws: SQLiteError.self) { try second.migrate(Array(migrations.prefix(2))) }
            #expect(newer?.code == 1)
        }
    }

    @Test func dataVersionChangesAfterAnotherConnectionCommits() throws {
        try withScratchDirectory { directory in
            let path = directory + "/shared.sqlite"
            let watcher = try SQLiteConnection(path: path)
            defer { watcher.close() }
            try watcher.execute("CREATE TABLE t (x)")
            let writer = try SQLiteConnection(path: path)
            defer { writer.close() }

            let before = try watcher.dataVersion()
            try watcher.run("INSERT INTO t VALUES (0)")
            #expect(try watcher.dataVersion() == before)  // own commits do not count

            try writer.run("INSERT INTO t VALUES (1)")
            let after = try watcher.dataVersion()
            #expect(after != before)
            #expect(try watcher.dataVersion() == after)
        }
    }

    @Test func badSQLThrowsWithTheSQL() throws {
        try withScratchDirectory { directory in
            let db = try SQLiteConnection(path: directory + "/bad.sqlite")
            defer { db.close() }

            let prepareError = #expect(throws: SQLiteError.self) { try db.prepare("SELEKT 1") }
            #expect(prepareError?.code == 1)
            #expect(prepareError?.sql == "SELEKT 1")
            #expect(prepareError?.message.contains("syntax error") == true)
            #expect(prepareError?.description.hasSuffix("— in: SELEKT 1") == true)

            let executeError = #expect(throws: SQLiteError.self) {
                try db.execute("CREATE TABLE ok (x); DROP TABLE missing")
            }
            #expect(executeError?.sql == "CREATE TABLE ok (x); DROP TABLE missing")
            #expect(executeError?.message == "no such table: missing")

            let twoStatements = #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1; SELECT 2") }
            #expect(twoStatements?.code == 21)
            _ = try db.prepare("SELECT 1; -- trailing comment")

            let wrongArity = #expect(throws: SQLiteError.self) { try db.run("SELECT ?, ?", [1]) }
            #expect(wrongArity?.code == 25)
        }
    }

    @Test func preparedStatementIsReusedWithResetAndRebinding() throws {
        try withScratchDirectory { directory in
            let db = try SQLiteConnection(path: directory + "/bulk.sqlite")
            defer { db.close() }
            try db.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, label TEXT NOT NULL)")

            let count = 10_000
            do {
                let insert = try db.prepare("INSERT INTO rows (n, label) VALUES (?, ?)")
                try db.transaction {
                    for n in 0..<count {
                        try insert.bind([SQLiteValue(n), .text("row \(n)")])
                        try insert.step()
                        insert.reset()
                    }
                }
            }
            #expect(try db.query("SELECT count(*), sum(n) FROM rows") { [$0.int(0), $0.int(1)] }
                == [[Int64(count), Int64(count * (count - 1) / 2)]])

            // reset() keeps bindings: the same lookup runs twice without rebinding.
            let lookup = try db.prepare("SELECT label FROM rows WHERE n = ?")
            try lookup.bind([9_999])
            #expect(try lookup.step())
            #expect(lookup.text(0) == "row 9999")
            lookup.reset()
            #expect(try lookup.step())
            #expect(lookup.text(0) == "row 9999")
            try lookup.bind([0])
            #expect(try lookup.step())
            #expect(lookup.text(0) == "row 0")
            #expect(try lookup.step() == false)
        }
    }

    @Test func errorDescriptionTruncatesLongSQL() {
        let sql = "SELECT " + String(repeating: "x", count: 500)
        let error = SQLiteError(extendedCode: 2067, message: "m", sql: sql)
        #expect(error.code == 19)
        #expect(error.codeName == "constraint")
        #expect(error.description.hasSuffix("x…"))
        #expect(error.description.count < 300)
    }
}
