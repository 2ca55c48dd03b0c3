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

    /// The process-wide executor the server uses unless told otherwise; its thread count and
    /// spin are `configureShared`'s, read when it is first used.
    public static let shared = WorkerExecutor(
        threads: sharedThreads.load(ordering: .acquiring), spinMicroseconds: sharedSpin.load(ordering: .acquiring))
    private static let sharedThreads = Atomic<Int>(0)
    private static let sharedSpin = Atomic<Int>(defaultSpinMicroseconds)
    /// The spin `shared` uses unless configured (`worker_spin_us`'s default).
    public static let defaultSpinMicroseconds = 50

    /// Sets how many threads `shared` starts (0: one per core) and how long an idle one spins
    /// before it sleeps. Only a call before its first use counts (`ds4-proxy serve` makes it
    /// before the server starts).
    public static func configureShared(threads: Int, spinMicroseconds: Int = defaultSpinMicroseconds) {
        sharedThreads.store(threads, ordering: .releasing)
        sharedSpin.store(spinMicroseconds, ordering: .releasing)
    }

    /// Number of worker threads.
    public let threadCount: Int
    /// Longest spin for work before sleeping in `epoll_wait`, in nanoseconds (0: never spin).
    let spinLimit: UInt64

    /// Starts `threads` workers (default: one per core) that spin up to `spinMicroseconds`
    /// for more work after running some, before they sleep.
    public init(threads: Int = 0, spinMicroseconds: Int = 0) {
        let count = threads > 0 ? threads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        threadCount = count
        spinLimit = UInt64(max(0, spinMicroseconds)) * 1000
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
        // Sleeping in epoll_wait and being woken costs more than the work of a request on a
        // small (virtual) machine: a context switch through the idle task, often an IPI and a
        // VM exit. So a worker that just ran jobs first polls without blocking, yielding the
        // core between polls (`sched_yield`: the client and the upstream usually run on the
        // same cores), for up to `spinLimit`. The budget adapts: a spin that found nothing
        // halves it, a spin that found work, or a sleep that ended sooner than the full budget
        // (a spin would have caught it), restores it, so sparse traffic costs no spinning.
        var spinBudget = spinLimit
        var ranJobs = false
        while true {
            if let job = queue.withLock({ $0.pop() }) {
                job.runSynchronously(on: asUnownedTaskExecutor())
                ranJobs = true
                continue
            }
            if ranJobs && spinBudget > 0 {
                ranJobs = false
                if spin(poller, for: spinBudget) {
                    spinBudget = spinLimit
                    continue
                }
                spinBudget = spinBudget / 2 >= 5_000 ? spinBudget / 2 : 0
            }
            polling.add(1, ordering: .acquiringAndReleasing)
            // Re-check after announcing: a job pushed before the announcement is seen here, one
            // pushed after it wakes the poll.
            if queue.withLock({ $0.isEmpty }) {
                let sleptAt = Deadline.now().nanoseconds
                // This thread stops counting as polling before it resumes the ready tasks: it
                // runs them itself, so only a second job needs another (really polling) thread.
                let events = poller.pollOnce(timeoutMilliseconds: 20) { polling.subtract(1, ordering: .acquiringAndReleasing) }
                if events > 0 && Deadline.now().nanoseconds &- sleptAt < spinLimit { spinBudget = spinLimit }
            } else {
                polling.subtract(1, ordering: .acquiringAndReleasing)
            }
        }
    }

    /// Polls without blocking until a job or an event turns up (true) or `budget` nanoseconds
    /// have passed (false). Not counted as polling: this thread looks at the queue itself.
    private func spin(_ poller: Poller, for budget: UInt64) -> Bool {
        let start = Deadline.now().nanoseconds
        repeat {
            if poller.pollOnce(timeoutMilliseconds: 0) > 0 || !queue.withLock({ $0.isEmpty }) { return true }
            sched_yield()
        } while Deadline.now().nanoseconds &- start < budget
        return false
    }
}
