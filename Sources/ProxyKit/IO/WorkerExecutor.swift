#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims
import Synchronization

/// A task executor backed by a few dedicated threads: the proxy's connection tasks run here,
/// apart from Swift's global pool (which callers, tests included, may block), so a blocked
/// caller can never starve the server.
///
/// One thread, the loop thread, polls the `Poller` when it has nothing to run, so socket
/// readiness turns into work on the thread that polled, without a hand-off. The other threads
/// are helpers: they sleep until the loop thread has been busy for `saturationNanoseconds`
/// without ever waiting in epoll, then take jobs from the same queue until it is empty. A
/// second thread that polled as well would be woken by the kernel for every event that
/// arrives while the first is busy: on two cores shared with other processes, those
/// sleep/wake cycles cost about a quarter more CPU per request than one busy thread does.
/// Helpers add cores only when one is not enough (many streams at once).
public final class WorkerExecutor: TaskExecutor {
    private let queue = Mutex<JobQueue>(JobQueue())
    /// Set while the loop thread is (about to be) blocked in `Poller.pollOnce`; a job
    /// enqueued from another thread then wakes it.
    private let polling = Atomic<Bool>(false)
    /// Helpers sleeping on `helperWakeFD`.
    private let idleHelpers = Atomic<Int>(0)
    /// Set from a helper wake-up until a helper takes it (one write per wake-up).
    private let helperWakePending = Atomic<Bool>(false)
    /// An eventfd the helpers sleep on (`poll`), written when the loop thread is saturated.
    private let helperWakeFD: Int32
    /// Continuous busy time of the loop thread after which a helper is called in: 200 µs, a
    /// few requests' work. Measured against 2 ms on two cores, it served more requests both at
    /// 32 connections (0.82 vs 0.79 of the nginx hop) and for 8 streams (0.93 vs 0.88).
    static let saturationNanoseconds: UInt64 = 200_000

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

    /// Number of worker threads (the loop thread and the helpers).
    public let threadCount: Int

    /// Starts `threads` workers (default: one per core): a loop thread and `threads - 1`
    /// helpers.
    public init(threads: Int = 0) {
        let count = threads > 0 ? threads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        threadCount = count
        helperWakeFD = ds4_eventfd()
        precondition(helperWakeFD >= 0, "eventfd failed")
        DetachedThread.start(stackSize: 512 * 1024) { [self] in self.loop() }
        for _ in 1..<count {
            DetachedThread.start(stackSize: 512 * 1024) { [self] in self.help() }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        queue.withLock { $0.push(unowned) }
        // One of its own threads that enqueues runs queued jobs itself next. From any other
        // thread, a loop thread blocked in epoll must be woken; the queue's lock orders this
        // check against its "queue empty, going to poll".
        if polling.load(ordering: .acquiring) && !isOwnThread { Poller.shared.wake() }
    }

    /// Marks each worker thread with its executor (a pthread key: Swift has no cheaper
    /// thread-local). Executors live as long as their threads: the key holds no reference.
    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private var isOwnThread: Bool {
        let marked: UnsafeMutableRawPointer? = pthread_getspecific(WorkerExecutor.workerKey)
        return marked == Unmanaged.passUnretained(self).toOpaque()
    }

    private func markOwnThread() {
        pthread_setspecific(WorkerExecutor.workerKey, UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()))
    }

    /// The loop thread: run what is queued, else poll.
    private func loop() {
        markOwnThread()
        let poller = Poller.shared
        // When the loop thread last waited in epoll (it was idle), in monotonic nanoseconds.
        var lastIdle = Deadline.now().nanoseconds
        while true {
            while let job = queue.withLock({ $0.pop() }) {
                job.runSynchronously(on: asUnownedTaskExecutor())
                let now = Deadline.now().nanoseconds
                if now &- lastIdle > WorkerExecutor.saturationNanoseconds {
                    lastIdle = now
                    callHelper()
                }
            }
            polling.store(true, ordering: .releasing)
            // Re-check after announcing: a job pushed before the announcement is seen here, one
            // pushed after it wakes the poll.
            guard queue.withLock({ $0.isEmpty }) else {
                polling.store(false, ordering: .releasing)
                continue
            }
            let before = Deadline.now().nanoseconds
            // The thread stops counting as polling before it resumes the ready tasks: it runs
            // them itself.
            poller.pollOnce(timeoutMilliseconds: 20) { polling.store(false, ordering: .releasing) }
            // An epoll_wait that returned at once found events waiting: the thread is still
            // busy. One that waited means it was idle.
            let after = Deadline.now().nanoseconds
            if after &- before > 100_000 { lastIdle = after }
        }
    }

    /// Wakes the sleeping helpers (if any) to share the queue with the loop thread.
    private func callHelper() {
        guard idleHelpers.load(ordering: .acquiring) > 0, !queue.withLock({ $0.isEmpty }) else { return }
        if !helperWakePending.exchange(true, ordering: .acquiringAndReleasing) { ds4_eventfd_signal(helperWakeFD) }
    }

    /// A helper thread: run queued jobs while there are any, then sleep until called.
    private func help() {
        markOwnThread()
        var waiter = pollfd(fd: helperWakeFD, events: Int16(POLLIN), revents: 0)
        while true {
            while let job = queue.withLock({ $0.pop() }) {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
            idleHelpers.add(1, ordering: .acquiringAndReleasing)
            // No timeout: a call that comes between the last look at the queue and the sleep
            // stays counted in the eventfd, so it is never missed.
            while poll(&waiter, 1, -1) <= 0 {}
            idleHelpers.subtract(1, ordering: .acquiringAndReleasing)
            ds4_eventfd_drain(helperWakeFD)
            helperWakePending.store(false, ordering: .releasing)
        }
    }
}
