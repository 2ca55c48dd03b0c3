/// Keys and users in the proxy database. Used by the admin CLI (writes) and by the
/// authenticator's sync thread (reads, `last_used` batches). Confined to one thread at a time,
/// like the connection it wraps.
public struct KeyStore {
    let db: SQLiteConnection

    public init(connection: SQLiteConnection) { self.db = connection }

    // MARK: - Validation

    /// User names: 1–64 of `[A-Za-z0-9._@-]` (they appear in logs, reports and file names).
    public static func isValidUserName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x40 || b == 0x2D
        }
    }

    // MARK: - Keys

    /// Issues a new key for `user` (creating the user with default limits if needed). The
    /// returned key is the only copy of the secret.
    public func issueKey(user: String, label: String?, expires: Int?, now: Int) throws(SQLiteError) -> (APIKey, KeyRecord) {
        while true {
            let key = APIKey.generate()
            do {
                return (key, try insert(key, user: user, label: label, expires: expires, now: now))
            } catch where error.code == 19 {
                continue  // an id collision (about 1 in 2^47 per pair): draw again
            }
        }
    }

    /// Stores `key` (its hash and public id) for `user`, creating the user if needed.
    func insert(_ key: APIKey, user: String, label: String?, expires: Int?, now: Int) throws(SQLiteError) -> KeyRecord {
        try ensureUser(user, now: now)
        try db.run(
            "INSERT INTO api_keys (id, hash, user, label, created, expires) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(key.id), .blob(SHA256.hash(key.secret)), .text(user), SQLiteValue(label), .integer(Int64(now)), expires.map { .integer(Int64($0)) } ?? .null])
        return KeyRecord(id: key.id, user: user, label: label, created: now, expires: expires)
    }

    /// Keys, newest first, optionally of one user.
    public func listKeys(user: String? = nil) throws(SQLiteError) -> [KeyRecord] {
        let sql = "SELECT id, user, label, created, expires, revoked, last_used FROM api_keys"
            + (user == nil ? "" : " WHERE user = ?") + " ORDER BY created DESC, id"
        return try queryRows(sql, user.map { [.text($0)] } ?? []) { row in
            KeyRecord(id: row.text(0), user: row.text(1), label: row.optionalText(2), created: Int(row.int(3)),
                      expires: row.optionalInt(4).map(Int.init), revoked: row.optionalInt(5).map(Int.init), lastUsed: row.optionalInt(6).map(Int.init))
        }
    }

    /// Revokes one key by id (at `at`, which may be in the future for a grace period).
    /// Returns false when no such key exists.
    @discardableResult
    public func revokeKey(id: String, at: Int) throws(SQLiteError) -> Bool {
        try db.run("UPDATE api_keys SET revoked = ? WHERE id = ? AND (revoked IS NULL OR revoked > ?)", [.integer(Int64(at)), .text(id), .integer(Int64(at))])
        if db.changes > 0 { return true }
        return try !queryRows("SELECT 1 FROM api_keys WHERE id = ?", [.text(id)]) { _ in 1 }.isEmpty
    }

    /// Revokes every key of `user` that is not already revoked by `at`. Returns how many.
    @discardableResult
    public func revokeKeys(user: String, at: Int) throws(SQLiteError) -> Int {
        try db.run("UPDATE api_keys SET revoked = ? WHERE user = ? AND (revoked IS NULL OR revoked > ?)", [.integer(Int64(at)), .text(user), .integer(Int64(at))])
        return db.changes
    }

    /// Issues a new key for `user` and revokes the others `grace` seconds from now.
    public func rotate(user: String, label: String?, grace: Int, now: Int) throws(SQLiteError) -> (APIKey, revoked: Int) {
        var result: (APIKey, Int)?
        try inTransaction { () throws(SQLiteError) in
            let old = try listKeys(user: user).filter { $0.isActive(at: now) }
            let (key, _) = try issueKey(user: user, label: label, expires: nil, now: now)
            for record in old { try revokeKey(id: record.id, at: now + grace) }
            result = (key, old.count)
        }
        return result!
    }

    /// Records when keys were last used (a batch from the authenticator).
    public func recordLastUsed(_ times: [String: Int]) throws(SQLiteError) {
        guard !times.isEmpty else { return }
        try inTransaction { () throws(SQLiteError) in
            let statement = try db.prepare("UPDATE api_keys SET last_used = max(coalesce(last_used, 0), ?) WHERE id = ?")
            for (id, time) in times {
                try statement.bind([.integer(Int64(time)), .text(id)])
                _ = try statement.step()
            }
        }
    }

    // MARK: - Users

    /// Changes some of a user's limits, creating the user if needed.
    public func setUser(_ name: String, update: UserPolicyUpdate, now: Int) throws(SQLiteError) {
        try inTransaction { () throws(SQLiteError) in
            try ensureUser(name, now: now)
            for (column, change) in update.columns {
                switch change {
                case .unchanged: continue
                case .clear: try db.run("UPDATE users SET \(column) = NULL WHERE name = ?", [.text(name)])
                case .set(let value): try db.run("UPDATE users SET \(column) = ? WHERE name = ?", [value, .text(name)])
                }
            }
        }
    }

    /// Every user with their policy and number of active keys.
    public func listUsers(now: Int) throws(SQLiteError) -> [UserRecord] {
        try queryRows("""
            SELECT name, rpm, tpm, daily_tokens, max_concurrent, context_cap, models, created,
                   (SELECT count(*) FROM api_keys k WHERE k.user = u.name AND (k.revoked IS NULL OR k.revoked > ?)
                       AND (k.expires IS NULL OR k.expires > ?))
            FROM users u ORDER BY name
            """, [.integer(Int64(now)), .integer(Int64(now))]) { row in
            UserRecord(name: row.text(0), policy: Self.policy(row, from: 1), created: Int(row.int(7)), activeKeys: Int(row.int(8)))
        }
    }

    /// Removes a user and revokes their keys (key rows stay, for the record). False if unknown.
    public func removeUser(_ name: String, now: Int) throws(SQLiteError) -> Bool {
        var existed = false
        try inTransaction { () throws(SQLiteError) in
            try db.run("DELETE FROM users WHERE name = ?", [.text(name)])
            existed = db.changes > 0
            let revoked = try revokeKeys(user: name, at: now)
            existed = existed || revoked > 0
        }
        return existed
    }

    // MARK: - The authentication table

    /// Every key that can still authenticate, by SHA-256 of its secret, and every user's policy.
    public func loadAuthTable(now: Int) throws(SQLiteError) -> AuthTable {
        var keys: [KeyDigest: AuthTable.Entry] = [:]
        try forEachRow("SELECT hash, id, user, expires, revoked FROM api_keys WHERE (revoked IS NULL OR revoked > ?) AND (expires IS NULL OR expires > ?)",
                       [.integer(Int64(now)), .integer(Int64(now))]) { row in
            let hash = row.blob(0)
            // A hash of another length can match no key: skipped, not a crash.
            guard hash.count == SHA256.digestByteCount else { return }
            keys[KeyDigest(hash)] = AuthTable.Entry(keyID: row.text(1), user: row.text(2), expires: row.optionalInt(3).map(Int.init), revoked: row.optionalInt(4).map(Int.init))
        }
        var policies: [String: UserPolicy] = [:]
        try forEachRow("SELECT name, rpm, tpm, daily_tokens, max_concurrent, context_cap, models FROM users", []) { row in
            policies[row.text(0)] = Self.policy(row, from: 1)
        }
        return AuthTable(keys: keys, policies: policies)
    }

    /// Bumped (by triggers) on every change to keys or users that matters to authentication.
    public func authVersion() throws(SQLiteError) -> Int {
        let statement = try db.prepare("SELECT version FROM auth_version WHERE id = 1")
        return try statement.step() ? Int(statement.int(0)) : 0
    }

    // MARK: - Helpers

    private func ensureUser(_ name: String, now: Int) throws(SQLiteError) {
        try db.run("INSERT OR IGNORE INTO users (name, created) VALUES (?, ?)", [.text(name), .integer(Int64(now))])
    }

    static func policy(_ row: SQLiteStatement, from start: Int) -> UserPolicy {
        func int(_ i: Int) -> Int? { row.optionalInt(start + i).map(Int.init) }
        let models = row.optionalText(start + 5).map { $0.split(separator: ",").map(String.init) }
        return UserPolicy(rpm: int(0), tpm: int(1), dailyTokens: int(2), maxConcurrent: int(3), contextCap: int(4), models: models)
    }

    private func queryRows<T>(_ sql: String, _ values: [SQLiteValue], _ row: (SQLiteStatement) -> T) throws(SQLiteError) -> [T] {
        var out: [T] = []
        try forEachRow(sql, values) { out.append(row($0)) }
        return out
    }

    private func forEachRow(_ sql: String, _ values: [SQLiteValue], _ body: (SQLiteStatement) -> Void) throws(SQLiteError) {
        let statement = try db.prepare(sql)
        try statement.bind(values)
        while try statement.step() { body(statement) }
    }

    private func inTransaction(_ body: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        try db.sqliteTransaction(body)
    }
}

/// A requested change to one policy field.
public enum PolicyChange: Sendable, Hashable {
    case unchanged
    case set(SQLiteValue)
    case clear
}

/// The fields `users set` may change.
public struct UserPolicyUpdate: Sendable {
    public var rpm: PolicyChange = .unchanged
    public var tpm: PolicyChange = .unchanged
    public var dailyTokens: PolicyChange = .unchanged
    public var maxConcurrent: PolicyChange = .unchanged
    public var contextCap: PolicyChange = .unchanged
    public var models: PolicyChange = .unchanged
    public init() {}

    var columns: [(String, PolicyChange)] {
        [("rpm", rpm), ("tpm", tpm), ("daily_tokens", dailyTokens), ("max_concurrent", maxConcurrent), ("context_cap", contextCap), ("models", models)]
    }
}

/// The in-memory snapshot the proxy authenticates against.
public struct AuthTable: Sendable {
    public struct Entry: Sendable, Hashable {
        public var keyID: String
        public var user: String
        public var expires: Int?
        public var revoked: Int?
    }
    /// By SHA-256 of the key.
    public var keys: [KeyDigest: Entry]
    public var policies: [String: UserPolicy]

    public static let empty = AuthTable(keys: [:], policies: [:])
}

@available(*, unavailable)
extension KeyStore: Sendable {}
