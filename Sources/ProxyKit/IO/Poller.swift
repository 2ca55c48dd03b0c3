#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims
import Synchronization

/// One epoll instance that resumes suspended tasks when their sockets are ready, their deadline
/// passes, or the server shuts down. It has no thread of its own: idle `WorkerExecutor`
/// threads call `pollOnce`, so a ready socket resumes its task on the thread that will run it
/// (no hand-off between a poller thread and a worker), and an eventfd wakes a polling worker
/// when a job arrives from elsewhere.
///
/// Each wait registers its descriptors with `EPOLLONESHOT` (re-armed per wait with
/// `EPOLL_CTL_MOD`, added on first use), so a descriptor reports at most once per wait and
/// readiness nobody waits for is never delivered twice. Deadlines are checked every 20 ms,
/// which is far finer than any timeout ds4-proxy uses.
public final class Poller: Sendable {
    /// Why a wait ended.
    public enum Wake: Sendable, Hashable {
        /// The interest at this index is ready.
        case ready(Int)
        case timedOut
        /// `triggerShutdown()` was called and the waiter asked to be told.
        case shutdown
    }

    /// What one descriptor is waited for.
    public struct Interest: Sendable {
        public var fd: Int32
        public var events: UInt32
        public init(fd: Int32, events: UInt32) {
            self.fd = fd
            self.events = events
        }
        public static func readable(_ fd: Int32) -> Interest { Interest(fd: fd, events: Poller.readable) }
        public static func writable(_ fd: Int32) -> Interest { Interest(fd: fd, events: Poller.writable) }
        /// The peer closed or reset the connection (pipelined bytes do not count).
        public static func hangUp(_ fd: Int32) -> Interest { Interest(fd: fd, events: Poller.readHangUp) }
    }

    // epoll event bits (Linux ABI values).
    public static let readable: UInt32 = 0x001
    public static let writable: UInt32 = 0x004
    static let error: UInt32 = 0x008
    static let hangUp: UInt32 = 0x010
    public static let readHangUp: UInt32 = 0x2000
    static let oneShot: UInt32 = 1 << 30
    static let ctlAdd: Int32 = 1
    static let ctlMod: Int32 = 3

    struct Waiter {
        var continuation: CheckedContinuation<Wake, Never>
        var interests: [Interest]
        var deadline: Deadline
        var shutdownGroup: Int?
    }

    struct State {
        var waiters: [UInt64: Waiter] = [:]
        var waiterByFD: [Int32: UInt64] = [:]
        var nextID: UInt64 = 1
        var shutDownGroups: Set<Int> = []
        var nextGroup = 1
    }

    /// The process-wide poller.
    public static let shared = Poller()

    private let epfd: Int32
    private let wakeFD: Int32
    private let state = Mutex(State())
    /// Monotonic nanoseconds of the next deadline scan (any polling thread may do it).
    private let nextScan = Atomic<UInt64>(0)
    /// `epoll_event.data` of the wake-up eventfd.
    static let wakeMarker = UInt64.max

    init() {
        epfd = ds4_epoll_create()
        wakeFD = ds4_eventfd()
        precondition(epfd >= 0 && wakeFD >= 0, "epoll_create1/eventfd failed")
        _ = ds4_epoll_ctl(epfd, Poller.ctlAdd, wakeFD, Poller.readable, Poller.wakeMarker)
        // The shared executor's threads are the ones that poll.
        _ = WorkerExecutor.shared
    }

    /// Makes one thread blocked in `pollOnce` return (a job is waiting for it).
    public func wake() { ds4_eventfd_signal(wakeFD) }

    /// A new shutdown group (one per server, so stopping one server wakes only its waiters).
    public func makeShutdownGroup() -> Int {
        state.withLock { state in
            defer { state.nextGroup += 1 }
            return state.nextGroup
        }
    }

    /// Suspends until one of `interests` is ready, `deadline` passes, or `shutdownGroup` (if
    /// given) is shut down.
    public func wait(_ interests: [Interest], deadline: Deadline, shutdownGroup: Int? = nil) async -> Wake {
        await withCheckedContinuation { continuation in
            let early: Wake? = state.withLock { state -> Wake? in
                if let shutdownGroup, state.shutDownGroups.contains(shutdownGroup) { return .shutdown }
                let id = state.nextID
                state.nextID += 1
                state.waiters[id] = Waiter(continuation: continuation, interests: interests, deadline: deadline, shutdownGroup: shutdownGroup)
                for interest in interests { state.waiterByFD[interest.fd] = id }
                return nil
            }
            if let early { return continuation.resume(returning: early) }
            for interest in interests { arm(interest.fd, events: interest.events | Poller.error | Poller.hangUp) }
        }
    }

    /// Wakes every waiter of `group`, now and later.
    public func triggerShutdown(group: Int) {
        let woken = state.withLock { state -> [Waiter] in
            state.shutDownGroups.insert(group)
            return takeWaiters(&state) { $0.shutdownGroup == group }
        }
        for waiter in woken { finish(waiter, with: .shutdown) }
    }

    private func arm(_ fd: Int32, events: UInt32) {
        let mask = events | Poller.oneShot
        if ds4_epoll_ctl(epfd, Poller.ctlMod, fd, mask, UInt64(UInt32(bitPattern: fd))) != 0 {
            _ = ds4_epoll_ctl(epfd, Poller.ctlAdd, fd, mask, UInt64(UInt32(bitPattern: fd)))
        }
    }

    /// Disarms a waiter's other descriptors (one-shot disarmed only the one that fired).
    private func finish(_ waiter: Waiter, with wake: Wake) {
        for interest in waiter.interests {
            _ = ds4_epoll_ctl(epfd, Poller.ctlMod, interest.fd, Poller.oneShot, UInt64(UInt32(bitPattern: interest.fd)))
        }
        waiter.continuation.resume(returning: wake)
    }

    private func takeWaiters(_ state: inout State, where predicate: (Waiter) -> Bool) -> [Waiter] {
        var taken: [Waiter] = []
        for (id, waiter) in state.waiters where predicate(waiter) {
            taken.append(waiter)
            state.waiters[id] = nil
            for interest in waiter.interests where state.waiterByFD[interest.fd] == id { state.waiterByFD[interest.fd] = nil }
        }
        return taken
    }

    /// Waits up to `timeoutMilliseconds` for readiness, resumes the waiters that are ready
    /// (their tasks are enqueued on their executors) and, every 20 ms, times out the waiters
    /// whose deadline passed. Called by idle worker threads.
    public func pollOnce(timeoutMilliseconds: Int32) {
        var datas = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                     UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var masks = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                     UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        let capacity: Int32 = 16
        let n = withUnsafeMutableBytes(of: &datas) { d in
            withUnsafeMutableBytes(of: &masks) { m in
                ds4_epoll_wait(epfd, d.baseAddress!.assumingMemoryBound(to: UInt64.self), m.baseAddress!.assumingMemoryBound(to: UInt32.self),
                               capacity, timeoutMilliseconds)
            }
        }
        var ready: [(Waiter, Wake)] = []
        if n > 0 {
            withUnsafeBytes(of: &datas) { raw in
                let events = raw.bindMemory(to: UInt64.self)
                state.withLock { state in
                    for i in 0..<Int(n) {
                        let data = events[i]
                        if data == Poller.wakeMarker { continue }
                        let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: data))
                        guard let id = state.waiterByFD[fd], let waiter = state.waiters.removeValue(forKey: id) else { continue }
                        for interest in waiter.interests where state.waiterByFD[interest.fd] == id { state.waiterByFD[interest.fd] = nil }
                        let index = waiter.interests.firstIndex { $0.fd == fd } ?? 0
                        ready.append((waiter, .ready(index)))
                    }
                }
                for i in 0..<Int(n) where events[i] == Poller.wakeMarker { ds4_eventfd_drain(wakeFD) }
            }
        }
        let now = Deadline.now()
        let due = nextScan.load(ordering: .relaxed)
        if now.nanoseconds >= due,
            nextScan.compareExchange(expected: due, desired: now.nanoseconds + 20_000_000, ordering: .relaxed).exchanged
        {
            let expired = state.withLock { state in takeWaiters(&state) { $0.deadline <= now } }
            for waiter in expired { ready.append((waiter, .timedOut)) }
        }
        for (waiter, wake) in ready { finish(waiter, with: wake) }
    }
}
