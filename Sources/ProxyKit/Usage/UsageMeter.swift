#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where usage records go: the journal first (synchronously, one write per line), then the
/// index writer's queue. A maintenance thread reopens the journal when logrotate moved it.
public final class UsageMeter: Sendable {
    public let journal: UsageJournal
    public let index: UsageIndexWriter
    let logger: Logger
    private let stopped = Atomic<Bool>(false)

    /// Opens the journal in `dataDirectory`, reconciles the index from its tail (so a crash
    /// loses nothing that reached the journal), and starts the index writer.
    public init(dataDirectory: String, logger: Logger) throws(ProxyDatabaseError) {
        self.logger = logger
        let journalPath = dataDirectory + "/" + UsageJournal.fileName
        do { journal = try UsageJournal(path: journalPath) } catch {
            throw .dataDirectory("cannot open the usage journal \(journalPath): \(error)")
        }
        if journal.repairedBytes > 0 {
            logger.warning("usage journal ended in a torn line (crash during a write); removed it", ["bytes": String(journal.repairedBytes)])
        }
        let db = try ProxyDatabase.open(dataDirectory: dataDirectory)
        defer { db.close() }
        do {
            let restored = try UsageReconciler.reconcile(journalPath: journalPath, db: db)
            if restored > 0 { logger.warning("usage index reconciled from the journal", ["records": String(restored)]) }
        } catch {
            throw .sqlite(error)
        }
        index = UsageIndexWriter(dataDirectory: dataDirectory, logger: logger)
    }

    public func start() {
        index.start()
        DetachedThread.start(stackSize: 64 * 1024) { [self] in
            while !self.stopped.load(ordering: .acquiring) {
                usleep(500_000)
                if self.journal.reopenIfMoved() { self.logger.info("usage journal reopened (moved away)") }
            }
        }
    }

    /// Writes `record` to the journal and queues it for the index.
    public func record(_ record: UsageRecord) {
        if !journal.append(record.jsonLine) {
            logger.error("usage journal write failed", ["request.id": record.requestID])
        }
        index.enqueue(record)
    }

    /// SIGHUP: reopen the journal at its path.
    public func reopenJournal() {
        do { try journal.reopen() } catch { logger.error("usage journal reopen failed", ["error": error.description]) }
    }

    /// Flushes the index and stops the background threads.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        index.stop()
    }
}
