#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Writes usage records into the SQLite index off the request path: requests enqueue, a
/// background thread inserts batches (every 100 ms, or at once when 2000 are waiting) in one
/// transaction each. The journal is the source of truth; on start `UsageReconciler` restores
/// whatever a crash kept out of the index.
public final class UsageIndexWriter: Sendable {
    /// Flush when this many records wait. Default 2000: under load a 100 ms batch holds about
    /// a thousand records, and fewer, larger transactions rewrite fewer pages.
    let batchSize: Int
    /// Flush at least this often while records wait, in seconds. Default 0.1.
    let interval: Double
    let dataDirectory: String
    let logger: Logger
    /// The writer thread's nice value. At 5 (a third of a nice-0 thread's weight) it still
    /// gets several times the CPU it needs at full load (about 3 µs per record).
    static let threadNice: Int32 = 5
    private let queue = Mutex<[UsageRecord]>([])
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let written = Atomic<Int>(0)

    public init(dataDirectory: String, logger: Logger, batchSize: Int = 2000, interval: Double = 0.1) {
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.batchSize = batchSize
        self.interval = interval
    }

    /// Records inserted so far.
    public var insertedCount: Int { written.load(ordering: .relaxed) }

    public func start() {
        DetachedThread.start { [self] in self.run() }
    }

    /// Queues a record for the next batch (never blocks on SQLite).
    public func enqueue(_ record: UsageRecord) {
        queue.withLock { $0.append(record) }
    }

    /// Flushes what is queued and stops the thread (waits up to `timeout` seconds).
    public func stop(timeout: Double = 5) {
        stopping.store(true, ordering: .releasing)
        let deadline = Deadline.after(seconds: timeout)
        while !finished.load(ordering: .acquiring) && !deadline.hasPassed { usleep(5_000) }
    }

    private func run() {
        defer { finished.store(true, ordering: .releasing) }
        // Background work yields to the request path: inserting the records of streams that end
        // together (a few ms of SQLite) must not delay the events of streams still running.
        // On Linux the nice value is per thread, and `who` 0 is the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.threadNice)
        let db: SQLiteConnection
        do { db = try ProxyDatabase.open(dataDirectory: dataDirectory) } catch {
            logger.error("usage index cannot open the database; records stay in the journal only", ["error": error.description])
            return
        }
        defer { db.close() }
        var inserter: UsageIndex.RowInserter
        do { inserter = try UsageIndex.RowInserter(db: db) } catch {
            logger.error("usage index cannot prepare its insert; records stay in the journal only", ["error": error.description])
            return
        }
        var lastFlush = Deadline.now()
        while true {
            let stop = stopping.load(ordering: .acquiring)
            let waiting = queue.withLock { $0.count }
            if waiting >= batchSize || (waiting > 0 && (stop || lastFlush.nanoseconds + UInt64(interval * 1e9) <= Deadline.now().nanoseconds)) {
                let batch = queue.withLock { queued -> [UsageRecord] in
                    defer { queued.removeAll(keepingCapacity: true) }
                    return queued
                }
                do {
                    try UsageIndex.insert(batch, with: &inserter, into: db)
                    written.add(batch.count, ordering: .relaxed)
                } catch {
                    // The journal has every line; the next start's reconciliation restores them.
                    logger.error("usage index batch failed", ["records": String(batch.count), "error": error.description])
                }
                lastFlush = .now()
                continue
            }
            if stop { return }
            usleep(10_000)
        }
    }
}
