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
    private let table: Mutex<ResolvedTable>
    /// Last use per key since the sync thread's last flush, by digest (four words hash faster
    /// than a key id string); the key id is looked up when flushing.
    private let lastUsed = Mutex<[KeyDigest: Int]>([:])

    /// The auth table with each key's principal (user, id, effective policy) built once per
    /// load, not once per request.
    struct ResolvedTable: Sendable {
        struct Key: Sendable {
            let principal: Principal
            let expires: Int?
            let revoked: Int?
        }
        let keys: [KeyDigest: Key]

        init(_ table: AuthTable) {
            keys = table.keys.mapValues { entry in
                Key(principal: Principal(user: entry.user, keyID: entry.keyID, policy: table.policies[entry.user] ?? UserPolicy()),
                    expires: entry.expires, revoked: entry.revoked)
            }
        }
    }
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
            table = Mutex(ResolvedTable(try KeyStore(connection: connection).loadAuthTable(now: Self.now())))
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
        var cache = BearerDigestCache()
        return authenticate(headers, now: now, cache: &cache)
    }

    /// `authenticate(_:now:)` with the connection's digest cache: a connection that sends the
    /// same value again is not hashed again (the table lookup and its checks still run).
    func authenticate(_ headers: HTTPHeaders, now: Int = Authenticator.now(), cache: inout BearerDigestCache) -> AuthResult {
        guard let index = headers.firstIndex(ofName: "Authorization") else { return .missing }
        for later in (index + 1)..<headers.count where headers.hasName(at: later, "Authorization") { return .ambiguous }
        guard let digest = headers.withValueBytes(at: index, { cache.digest(for: $0, compute: Self.bearerKeyDigest) }) else { return .invalid }
        guard let key = table.withLock({ $0.keys[digest] }) else { return .invalid }
        if let revoked = key.revoked, revoked <= now { return .invalid }
        if let expires = key.expires, expires <= now { return .invalid }
        if cache.lastUsedRecorded != now {
            lastUsed.withLock { $0[digest] = now }
            cache.lastUsedRecorded = now
        }
        return .authenticated(key.principal)
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
        // last_used is flushed once per poll interval (and at stop): one small write
        // transaction a second at most, whatever the request rate.
        var nextFlush = Deadline.after(seconds: pollInterval)
        while true {
            let stopping = stopped.load(ordering: .acquiring)
            let flushing = stopping || nextFlush.hasPassed
            if flushing { nextFlush = Deadline.after(seconds: pollInterval) }
            let pendingByDigest = !flushing ? [:] : lastUsed.withLock { times -> [KeyDigest: Int] in
                defer { times.removeAll() }
                return times
            }
            // A key removed from the table since its use has no row to update.
            var pending: [String: Int] = [:]
            if !pendingByDigest.isEmpty {
                table.withLock { table in
                    for (digest, time) in pendingByDigest {
                        if let key = table.keys[digest] { pending[key.principal.keyID] = time }
                    }
                }
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
                        let resolved = ResolvedTable(fresh)
                        table.withLock { $0 = resolved }
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
