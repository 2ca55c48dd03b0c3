/// The proxy's SQLite database (`<data_dir>/ds4.sqlite`): keys, users, and (later) the usage
/// index. Opening it creates the data directory (0700) and the file (0600) and applies the
/// schema migrations in order.
public enum ProxyDatabase {
    /// File name inside the data directory.
    public static let fileName = "ds4.sqlite"

    /// Schema migrations; index i upgrades `user_version` i → i+1. Append only.
    static let migrations: [String] = [
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            rpm INTEGER, tpm INTEGER, daily_tokens INTEGER, max_concurrent INTEGER, context_cap INTEGER,
            models TEXT,
            created INTEGER NOT NULL
        );
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            hash BLOB NOT NULL UNIQUE,
            user TEXT NOT NULL,
            label TEXT,
            created INTEGER NOT NULL,
            expires INTEGER,
            revoked INTEGER,
            last_used INTEGER
        );
        CREATE INDEX api_keys_user ON api_keys(user);
        """,
    ]

    /// The database path for a data directory.
    public static func path(dataDirectory: String) -> String {
        dataDirectory.hasSuffix("/") ? dataDirectory + fileName : dataDirectory + "/" + fileName
    }

    /// Opens (creating if needed) and migrates the database of `dataDirectory`.
    public static func open(dataDirectory: String) throws(ProxyDatabaseError) -> SQLiteConnection {
        if let problem = DataDirectory.prepare(dataDirectory) { throw .dataDirectory(problem) }
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path(dataDirectory: dataDirectory))
        } catch {
            throw .sqlite(error)
        }
        do { try connection.migrate(migrations) } catch {
            connection.close()
            throw .sqlite(error)
        }
        return connection
    }
}

/// Why the database could not be opened.
public enum ProxyDatabaseError: Error, Sendable, Hashable, CustomStringConvertible {
    case dataDirectory(String)
    case sqlite(SQLiteError)

    public var description: String {
        switch self {
        case let .dataDirectory(problem): problem
        case let .sqlite(error): "database: \(error)"
        }
    }
}
