#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import ProxyKit

/// The executor's division of work: the loop thread alone under a light load, a helper
/// called in when the loop thread stays busy.
struct WorkerExecutorTests {
    static func spin(microseconds: UInt64) {
        let end = Deadline.now().nanoseconds + microseconds * 1000
        while Deadline.now().nanoseconds < end {}
    }

    /// The threads that ran jobs.
    final class Threads: Sendable {
        private let seen = Mutex<Set<UInt>>([])
        func note() {
            let me = UInt(pthread_self())
            seen.withLock { _ = $0.insert(me) }
        }
        var count: Int { seen.withLock { $0.count } }
    }

    @Test func aSaturatedLoopThreadCallsInAHelper() async {
        let executor = WorkerExecutor(threads: 2)
        let threads = Threads()
        // 200 jobs of 1 ms queued at once: the loop thread is busy far past the threshold.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask(executorPreference: executor) {
                    Self.spin(microseconds: 1000)
                    threads.note()
                }
            }
        }
        #expect(threads.count == 2)
    }

    @Test func aLightLoadStaysOnTheLoopThread() async throws {
        let executor = WorkerExecutor(threads: 3)
        let threads = Threads()
        // One short job at a time, with idle time in between: never a reason to wake a helper.
        for _ in 0..<50 {
            await Task(executorPreference: executor) {
                Self.spin(microseconds: 20)
                threads.note()
            }.value
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(threads.count == 1)
    }

    @Test func oneThreadRunsEverything() async {
        let executor = WorkerExecutor(threads: 1)
        let threads = Threads()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask(executorPreference: executor) {
                    Self.spin(microseconds: 100)
                    threads.note()
                }
            }
        }
        #expect(threads.count == 1)
        #expect(executor.threadCount == 1)
    }
}
