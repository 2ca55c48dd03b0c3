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
/// Descriptors are registered once, edge-triggered, for input, output and hang-up (no
/// `epoll_ctl` per wait). An edge that arrives while nobody waits on the descriptor is kept as
/// pending readiness and consumed by the next matching wait, so callers follow one rule: try
/// the system call first and wait only after `EAGAIN`. `Socket.close()` forgets the
/// descriptor. Deadlines are checked every 20 ms, far finer than any timeout ds4-proxy uses.
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
    static let edgeTriggered: UInt32 = 1 << 31
    static let ctlAdd: Int32 = 1
    /// Bits that describe a lasting state rather than an edge.
    static let sticky: UInt32 = readHangUp | hangUp | error
    /// Everything a descriptor is registered for.
    static let registeredEvents: UInt32 = readable | writable | readHangUp | edgeTriggered

    /// The event bits that satisfy an interest (errors and hang-ups satisfy every interest:
    /// the caller's next system call reports them).
    static func satisfying(_ events: UInt32) -> UInt32 {
        var mask = error | hangUp
        if events & readable != 0 { mask |= readable | readHangUp }
        if events & writable != 0 { mask |= writable }
        if events & readHangUp != 0 { mask |= readHangUp }
        return mask
    }

    struct Waiter {
        /// Unsafe (no per-wait check object): a waiter leaves `state` under the lock before it
        /// is resumed, so it is resumed exactly once.
        var continuation: UnsafeContinuation<Wake, Never>
        let id: UInt64
        /// What it waits for: one interest, or two (a wait never needs more, and two inline
        /// values cost no array per wait).
        var first: Interest
        var second: Interest?
        var deadline: Deadline
        var shutdownGroup: Int?

        var interestCount: Int { second == nil ? 1 : 2 }
        func interest(_ index: Int) -> Interest { index == 0 ? first : second! }
    }

    /// What the poller knows about one descriptor; `State.slots` is indexed by descriptor
    /// number (small and dense), so no lookup on the request path hashes.
    struct Slot {
        /// The generation of the descriptor's registration in the epoll set; 0: not registered.
        var generation: UInt32 = 0
        /// Edges that arrived while nobody waited.
        var pending: UInt32 = 0
        /// The descriptor whose slot holds the waiter waiting on this one (-1: none), and that
        /// waiter's id (a link left by an earlier waiter does not match).
        var waiterFD: Int32 = -1
        var waiterID: UInt64 = 0
        /// A waiter whose first interest is this descriptor.
        var waiter: Waiter?
    }

    struct State {
        var slots: [Slot] = []
        /// Waiters pushed out of their slot by a later wait on the same first descriptor (the
        /// proxy never does that): they still time out and see shutdown, as any waiter does;
        /// readiness goes to the newest wait.
        var displaced: [Waiter] = []
        var nextID: UInt64 = 1
        var shutDownGroups: Set<Int> = []
        var nextGroup = 1
        /// Every descriptor's registration gets a new generation. An event carries the
        /// generation it was registered with, so an event for a closed descriptor whose number
        /// was reused is dropped, not credited to the new socket.
        var nextGeneration: UInt32 = 1

        /// Makes `slots[fd]` exist.
        mutating func ensureSlot(_ fd: Int32) {
            let needed = Int(fd) + 1
            if needed > slots.count { slots.append(contentsOf: repeatElement(Slot(), count: max(needed, slots.count * 2, 64) - slots.count)) }
        }

        func pending(_ fd: Int32) -> UInt32 { Int(fd) < slots.count ? slots[Int(fd)].pending : 0 }

        /// Unlinks `waiter` from every descriptor it waits on.
        mutating func unlink(_ waiter: Waiter) {
            for index in 0..<waiter.interestCount {
                let fd = Int(waiter.interest(index).fd)
                if slots[fd].waiterID == waiter.id {
                    slots[fd].waiterFD = -1
                    slots[fd].waiterID = 0
                }
            }
        }
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

    /// Set from a `wake()` until a poller drains the eventfd: wakes in between would only add
    /// writes (the eventfd is one counter, and the woken thread takes every queued job).
    private let wakePending = Atomic<Bool>(false)

    /// Makes one thread blocked in `pollOnce` return (a job is waiting for it).
    public func wake() {
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) { ds4_eventfd_signal(wakeFD) }
    }

    /// A new shutdown group (one per server, so stopping one server wakes only its waiters).
    public func makeShutdownGroup() -> Int {
        state.withLock { state in
            defer { state.nextGroup += 1 }
            return state.nextGroup
        }
    }

    /// Suspends until `first` (or `second`, if given) is ready, `deadline` passes, or
    /// `shutdownGroup` (if given) is shut down. `.ready(0)` is `first`, `.ready(1)` `second`.
    public func wait(_ first: Interest, _ second: Interest? = nil, deadline: Deadline, shutdownGroup: Int? = nil) async -> Wake {
        // A descriptor number the poller cannot track: ready at once (the caller's syscall
        // reports the error).
        if first.fd < 0 { return .ready(0) }
        if let second, second.fd < 0 { return .ready(1) }
        return await withUnsafeContinuation { continuation in
            var toAdd: [(fd: Int32, generation: UInt32)] = []
            let early: Wake? = state.withLock { state -> Wake? in
                if let shutdownGroup, state.shutDownGroups.contains(shutdownGroup) { return .shutdown }
                let waiter = Waiter(continuation: continuation, id: state.nextID, first: first, second: second,
                                    deadline: deadline, shutdownGroup: shutdownGroup)
                state.nextID += 1
                for index in 0..<waiter.interestCount {
                    let interest = waiter.interest(index)
                    let pending = state.pending(interest.fd)
                    if pending & Poller.satisfying(interest.events) != 0 {
                        // Input/output edges are used up; hang-ups and errors are states: they stay.
                        state.slots[Int(interest.fd)].pending = pending & ~(Poller.satisfying(interest.events) & ~Poller.sticky)
                        return .ready(index)
                    }
                }
                for index in 0..<waiter.interestCount {
                    let fd = waiter.interest(index).fd
                    state.ensureSlot(fd)
                    state.slots[Int(fd)].waiterFD = first.fd
                    state.slots[Int(fd)].waiterID = waiter.id
                    if state.slots[Int(fd)].generation == 0 {
                        let generation = state.nextGeneration
                        state.nextGeneration &+= 1
                        if state.nextGeneration == 0 { state.nextGeneration = 1 }
                        state.slots[Int(fd)].generation = generation
                        toAdd.append((fd, generation))
                    }
                }
                if let earlier = state.slots[Int(first.fd)].waiter { state.displaced.append(earlier) }
                state.slots[Int(first.fd)].waiter = waiter
                return nil
            }
            if let early { return continuation.resume(returning: early) }
            for (fd, generation) in toAdd {
                // A descriptor epoll refuses is reported ready: the caller's syscall gives the error.
                if ds4_epoll_ctl(epfd, Poller.ctlAdd, fd, Poller.registeredEvents, Poller.eventData(fd: fd, generation: generation)) != 0
                    && errno != EEXIST
                {
                    deliver(fd: fd, generation: generation, mask: Poller.error)
                }
            }
        }
    }

    /// Drops what the poller knows about `fd`; called right before it is closed (closing
    /// removes it from the epoll set, and the number may be reused).
    public func forget(_ fd: Int32) {
        state.withLock { state in
            guard fd >= 0, Int(fd) < state.slots.count else { return }
            state.slots[Int(fd)].generation = 0
            state.slots[Int(fd)].pending = 0
        }
    }

    /// `epoll_event.data`: the registration's generation above the descriptor.
    static func eventData(fd: Int32, generation: UInt32) -> UInt64 {
        UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
    }

    /// Whether a hang-up or error edge arrived for `fd` while nobody waited (an idle pooled
    /// upstream connection the server closed).
    public func hasPendingHangUp(_ fd: Int32) -> Bool {
        state.withLock { fd >= 0 && $0.pending(fd) & (Poller.readHangUp | Poller.hangUp | Poller.error) != 0 }
    }

    /// Resumes the waiter on `fd` if `mask` satisfies it; otherwise remembers the edge.
    private func deliver(fd: Int32, generation: UInt32, mask: UInt32) {
        let resumed: (Waiter, Wake)? = state.withLock { state in Self.take(fd: fd, generation: generation, mask: mask, &state) }
        if let (waiter, wake) = resumed { waiter.continuation.resume(returning: wake) }
    }

    private static func take(fd: Int32, generation: UInt32, mask: UInt32, _ state: inout State) -> (Waiter, Wake)? {
        // An event from an earlier registration of this number (closed, then reused): drop it.
        guard fd >= 0, Int(fd) < state.slots.count, state.slots[Int(fd)].generation == generation else { return nil }
        let slot = state.slots[Int(fd)]
        guard slot.waiterFD >= 0, let waiter = state.slots[Int(slot.waiterFD)].waiter, waiter.id == slot.waiterID,
              let index = (0..<waiter.interestCount).first(where: {
                  waiter.interest($0).fd == fd && mask & satisfying(waiter.interest($0).events) != 0 })
        else {
            state.slots[Int(fd)].pending |= mask
            return nil
        }
        state.slots[Int(slot.waiterFD)].waiter = nil
        state.unlink(waiter)
        // Keep what this wake did not use, and hang-up/error states for every later wait (an
        // EOF that arrived with the last data has no edge of its own to come).
        let kept = (mask & ~satisfying(waiter.interest(index).events)) | (mask & sticky)
        if kept != 0 { state.slots[Int(fd)].pending |= kept }
        return (waiter, .ready(index))
    }

    /// Wakes every waiter of `group`, now and later.
    public func triggerShutdown(group: Int) {
        let woken = state.withLock { state -> [Waiter] in
            state.shutDownGroups.insert(group)
            return takeWaiters(&state) { $0.shutdownGroup == group }
        }
        for waiter in woken { waiter.continuation.resume(returning: .shutdown) }
    }

    private func takeWaiters(_ state: inout State, where predicate: (Waiter) -> Bool) -> [Waiter] {
        var taken: [Waiter] = []
        for fd in state.slots.indices {
            guard let waiter = state.slots[fd].waiter, predicate(waiter) else { continue }
            taken.append(waiter)
            state.slots[fd].waiter = nil
            state.unlink(waiter)
        }
        if !state.displaced.isEmpty {
            state.displaced.removeAll { waiter in
                guard predicate(waiter) else { return false }
                taken.append(waiter)
                return true
            }
        }
        return taken
    }

    /// Waits up to `timeoutMilliseconds` for readiness, resumes the waiters that are ready
    /// (their tasks are enqueued on their executors) and, every 20 ms, times out the waiters
    /// whose deadline passed. Called by idle worker threads; `beforeResuming` runs once, before
    /// any waiter is resumed (the executor stops counting the thread as polling there, so the
    /// jobs it enqueues next do not wake another thread for nothing).
    @discardableResult
    public func pollOnce(timeoutMilliseconds: Int32, beforeResuming: () -> Void = {}) -> Int32 {
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
        // The waiters made ready by these events (at most one per event) are collected in
        // scratch memory on the stack: no array per poll.
        withUnsafeTemporaryAllocation(of: (Waiter, Wake).self, capacity: Int(capacity)) { ready in
            var readyCount = 0
            if n > 0 {
                withUnsafeBytes(of: &datas) { raw in
                    let events = raw.bindMemory(to: UInt64.self)
                    withUnsafeBytes(of: &masks) { rawMasks in
                        let eventMasks = rawMasks.bindMemory(to: UInt32.self)
                        state.withLock { state in
                            for i in 0..<Int(n) where events[i] != Poller.wakeMarker {
                                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: events[i]))
                                let generation = UInt32(truncatingIfNeeded: events[i] >> 32)
                                if let resumed = Self.take(fd: fd, generation: generation, mask: eventMasks[i], &state) {
                                    ready.initializeElement(at: readyCount, to: resumed)
                                    readyCount += 1
                                }
                            }
                        }
                    }
                    for i in 0..<Int(n) where events[i] == Poller.wakeMarker {
                        // Drain, then clear: cleared first, a wake landing in between would be
                        // drained with the flag left set, and every later wake suppressed. This
                        // order can only suppress a wake while this thread is up and about to
                        // look at the job queue.
                        ds4_eventfd_drain(wakeFD)
                        wakePending.store(false, ordering: .releasing)
                    }
                }
            }
            let now = Deadline.now()
            let due = nextScan.load(ordering: .relaxed)
            var expired: [Waiter] = []
            if now.nanoseconds >= due,
                nextScan.compareExchange(expected: due, desired: now.nanoseconds + 20_000_000, ordering: .relaxed).exchanged
            {
                expired = state.withLock { state in takeWaiters(&state) { $0.deadline <= now } }
            }
            beforeResuming()
            for i in 0..<readyCount {
                let (waiter, wake) = ready.moveElement(from: i)
                waiter.continuation.resume(returning: wake)
            }
            for waiter in expired { waiter.continuation.resume(returning: .timedOut) }
        }
        return n
    }
}
