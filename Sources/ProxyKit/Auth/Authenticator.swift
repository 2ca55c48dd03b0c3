#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Authenticates bearer keys against an in-memory table (by SHA-256 of the key), kept in step
/// with the database by a sync thread: it polls `PRAGMA data_version` about once a second (and
/// at once on `requestReload()`, i.e. SIGHUP), and reloads when the trigger-maintained auth
/// version moved, so keys issued or revoked by the CLI take effect
/// within about a second, and it writes `last_used` in batches, never on the request path.
public final class Authenticator: Sendable {
    let dataDirectory: String
    let logger: Logger
    /// Seconds between database polls. Default 1.
    let pollInterval: Double
    private let table: Mutex<AuthTable>
    private let lastUsed = Mutex<[String: Int]>([:])
    private let reloadRequested = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)

    /// Opens the database (creating and migrating it) and loads the table once, so a broken
    /// database fails startup rather than the first request.
    public init(dataDirectory: String, logger: Logger, pollInterval: Double = 1) throws(ProxyDatabaseError) {
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.pollInterval = pollInterval
        let connection = try ProxyDatabase.open(dataDirectory: dataDirectory)
        defer { connection.close() }
        do {
            table = Mutex(try KeyStore(connection: connection).loadAuthTable(now: Self.now()))
        } catch {
            throw .sqlite(error)
        }
    }

    /// The current Unix time in seconds.
    public static func now() -> Int { Int(time(nil)) }

    /// Starts the sync thread.
    public func start() {
        DetachedThread.start { [self] in self.syncLoop() }
    }

    /// Reloads keys and users as soon as possible (SIGHUP).
    public func requestReload() { reloadRequested.store(true, ordering: .releasing) }

    /// Stops the sync thread after one last `last_used` flush.
    public func stop() { stopped.store(true, ordering: .releasing) }

    /// Number of keys that can authenticate now.
    public var keyCount: Int { table.withLock { $0.keys.count } }

    /// Checks the request's `Authorization: Bearer KEY` (scheme case-insensitive). Works on
    /// the field's bytes: the key never becomes a string.
    public func authenticate(_ headers: HTTPHeaders, now: Int = Authenticator.now()) -> AuthResult {
        guard let index = headers.firstIndex(of: "Authorization") else { return .missing }
        guard headers.count(of: "Authorization") == 1 else { return .ambiguous }
        guard let digest = headers.withValueBytes(at: index, Self.bearerKeyDigest) else { return .invalid }
        let found: (AuthTable.Entry, UserPolicy)? = table.withLock { table in
            guard let entry = table.keys[digest] else { return nil }
            return (entry, table.policies[entry.user] ?? UserPolicy())
        }
        guard let (entry, policy) = found else { return .invalid }
        if let revoked = entry.revoked, revoked <= now { return .invalid }
        if let expires = entry.expires, expires <= now { return .invalid }
        lastUsed.withLock { $0[entry.keyID] = now }
        return .authenticated(Principal(user: entry.user, keyID: entry.keyID, policy: policy))
    }

    /// The SHA-256 of the key in a `Bearer` credential, or nil when the value is not one (or
    /// the key is not of the key format, so it cannot match).
    static func bearerKeyDigest(_ value: UnsafeBufferPointer<UInt8>) -> KeyDigest? {
        guard value.count > 7, HTTPHeadScanner.equalsLowercase(value, 0, 6, "bearer"), value[6] == 0x20 else { return nil }
        var start = 7
        while start < value.count, value[start] == 0x20 { start += 1 }
        let key = UnsafeBufferPointer(rebasing: value[start...])
        guard APIKey.isWellFormed(key) else { return nil }
        return KeyDigest(hashing: UnsafeRawBufferPointer(key))
    }

    // MARK: - Sync thread

    private func syncLoop() {
        let connection: SQLiteConnection
        do { connection = try ProxyDatabase.open(dataDirectory: dataDirectory) } catch {
            logger.error("key sync cannot open the database", ["error": error.description])
            return
        }
        defer { connection.close() }
        let store = KeyStore(connection: connection)
        var seenDataVersion = (try? connection.dataVersion()) ?? -1
        var seenAuthVersion = -1
        var nextPoll = Deadline.after(seconds: pollInterval)
        // Commits between the table loaded in `init` and the version read just now would
        // otherwise never be seen: reload once, after reading the version.
        reloadRequested.store(true, ordering: .releasing)
        while true {
            let stopping = stopped.load(ordering: .acquiring)
            let pending = lastUsed.withLock { times -> [String: Int] in
                defer { times.removeAll() }
                return times
            }
            if !pending.isEmpty {
                do { try store.recordLastUsed(pending) } catch {
                    logger.warning("could not record last_used", ["error": error.description])
                }
            }
            if stopping { return }
            let forced = reloadRequested.exchange(false, ordering: .acquiring)
            if forced || nextPoll.hasPassed {
                nextPoll = Deadline.after(seconds: pollInterval)
                // data_version is cheap and moves on any other connection's commit; the auth
                // version only when keys or users changed.
                let dataVersion = (try? connection.dataVersion()) ?? -1
                let authVersion = dataVersion != seenDataVersion || forced ? ((try? store.authVersion()) ?? -1) : seenAuthVersion
                seenDataVersion = dataVersion
                if forced || authVersion != seenAuthVersion {
                    seenAuthVersion = authVersion
                    do {
                        let fresh = try store.loadAuthTable(now: Self.now())
                        table.withLock { $0 = fresh }
                        logger.info("keys reloaded", ["keys": String(fresh.keys.count), "users": String(fresh.policies.count)])
                    } catch {
                        logger.error("key reload failed; keeping the previous table", ["error": error.description])
                    }
                }
            }
            usleep(50_000)
        }
    }
}
