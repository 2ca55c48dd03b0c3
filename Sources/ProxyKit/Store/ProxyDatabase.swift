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
        """
        CREATE TABLE usage (
            ts INTEGER NOT NULL,
            user TEXT,
            model TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            duration_ms INTEGER NOT NULL,
            request_id TEXT NOT NULL,
            key_id TEXT,
            status INTEGER NOT NULL,
            stream INTEGER NOT NULL,
            ttft_ms INTEGER,
            usage_source TEXT NOT NULL,
            reason TEXT,
            client_ip TEXT
        );
        CREATE INDEX usage_ts ON usage(ts);
        CREATE INDEX usage_user_ts ON usage(user, ts);
        """,
        // A counter bumped by every change that matters to authentication, so the proxy's
        // sync thread reloads keys only for those (PRAGMA data_version also moves for every
        // usage batch and last_used write).
        """
        CREATE TABLE auth_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
        INSERT INTO auth_version (id, version) VALUES (1, 0);
        CREATE TRIGGER api_keys_insert AFTER INSERT ON api_keys BEGIN UPDATE auth_version SET version = version + 1; END;
        CREATE TRIGGER api_keys_delete AFTER DELETE ON api_keys BEGIN UPDATE auth_version SET version = version + 1; END;
        CREATE TRIGGER api_keys_update AFTER UPDATE OF id, hash, user, expires, revoked ON api_keys
            BEGIN UPDATE auth_version SET version = version + 1; END;
        CREATE TRIGGER users_insert AFTER INSERT ON users BEGIN UPDATE auth_version SET version = version + 1; END;
        CREATE TRIGGER users_delete AFTER DELETE ON users BEGIN UPDATE auth_version SET version = version + 1; END;
        CREATE TRIGGER users_update AFTER UPDATE ON users BEGIN UPDATE auth_version SET version = version + 1; END;
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
