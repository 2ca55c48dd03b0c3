#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// A task executor backed by a few dedicated threads: the proxy's connection tasks run here,
/// apart from Swift's global pool (which callers, tests included, may block), so a blocked
/// caller can never starve the server.
public final class WorkerExecutor: TaskExecutor {
    private let queue = Mutex<JobQueue>(JobQueue())
    /// Counts queued jobs; each worker takes one count per job it runs.
    private let available = DispatchSemaphore(value: 0)

    struct JobQueue {
        var jobs: [UnownedJob] = []
        var head = 0

        mutating func push(_ job: UnownedJob) { jobs.append(job) }

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

    /// The process-wide executor the server uses unless told otherwise.
    public static let shared = WorkerExecutor()

    /// Starts `threads` workers (default: one per core).
    public init(threads: Int = 0) {
        let count = threads > 0 ? threads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        for _ in 0..<count {
            DetachedThread.start(stackSize: 512 * 1024) { [self] in self.work() }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        queue.withLock { $0.push(unowned) }
        available.signal()
    }

    private func work() {
        while true {
            available.wait()
            guard let job = queue.withLock({ $0.pop() }) else { continue }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
