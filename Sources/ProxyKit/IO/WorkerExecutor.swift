#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A task executor backed by a few dedicated threads: the proxy's connection tasks run here,
/// apart from Swift's global pool (which callers, tests included, may block), so a blocked
/// caller can never starve the server. An idle worker polls the `Poller` itself (an event
/// loop per thread over one shared epoll), so socket readiness turns into work on the same
/// thread without a hand-off.
public final class WorkerExecutor: TaskExecutor {
    private let queue = Mutex<JobQueue>(JobQueue())
    /// Workers blocked in `Poller.pollOnce`; a job enqueued while one waits wakes it.
    private let polling = Atomic<Int>(0)

    struct JobQueue {
        var jobs: [UnownedJob] = []
        var head = 0

        mutating func push(_ job: UnownedJob) { jobs.append(job) }

        var isEmpty: Bool { head >= jobs.count }
        var count: Int { jobs.count - head }

        mutating func pop() -> UnownedJob? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head >= 1024 && head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    /// The process-wide executor the server uses unless told otherwise; its thread count is
    /// `configureShared(threads:)`'s, read when it is first used.
    public static let shared = WorkerExecutor(threads: sharedThreads.load(ordering: .acquiring))
    private static let sharedThreads = Atomic<Int>(0)

    /// Sets how many threads `shared` starts (0: one per core). Only a call before its first
    /// use counts (`ds4-proxy serve` makes it before the server starts).
    public static func configureShared(threads: Int) {
        sharedThreads.store(threads, ordering: .releasing)
    }

    /// Number of worker threads.
    public let threadCount: Int

    /// Starts `threads` workers (default: one per core).
    public init(threads: Int = 0) {
        let count = threads > 0 ? threads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        threadCount = count
        for _ in 0..<count {
            DetachedThread.start(stackSize: 512 * 1024) { [self] in self.work() }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let depth = queue.withLock { queue in
            queue.push(unowned)
            return queue.count
        }
        // A worker that enqueues runs the job itself next: wake a polling worker only when
        // there is more than that one job, or when the job comes from another thread.
        if polling.load(ordering: .acquiring) > 0 && (depth > 1 || !WorkerExecutor.isWorkerThread) { Poller.shared.wake() }
    }

    /// Marks worker threads (a pthread key: Swift has no cheaper thread-local).
    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static var isWorkerThread: Bool { pthread_getspecific(workerKey) != nil }

    private func work() {
        pthread_setspecific(WorkerExecutor.workerKey, UnsafeRawPointer(bitPattern: 1))
        let poller = Poller.shared
        while true {
            if let job = queue.withLock({ $0.pop() }) {
                job.runSynchronously(on: asUnownedTaskExecutor())
                continue
            }
            polling.add(1, ordering: .acquiringAndReleasing)
            // Re-check after announcing: a job pushed before the announcement is seen here, one
            // pushed after it wakes the poll.
            if queue.withLock({ $0.isEmpty }) {
                // This thread stops counting as polling before it resumes the ready tasks: it
                // runs them itself, so only a second job needs another (really polling) thread.
                poller.pollOnce(timeoutMilliseconds: 20) { polling.subtract(1, ordering: .acquiringAndReleasing) }
            } else {
                polling.subtract(1, ordering: .acquiringAndReleasing)
            }
        }
    }
}
