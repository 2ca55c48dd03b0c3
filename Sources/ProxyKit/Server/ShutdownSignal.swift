#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A one-shot broadcast: every thread polling `fd` wakes once `trigger()` closes the pipe's
/// write end. Idle keep-alive connections and the accept loop wait on it.
public final class ShutdownSignal: Sendable {
    /// The read end; readable (EOF) after `trigger()`.
    public let fd: Int32
    private let writeEnd: Mutex<Int32>
    private let flag = Atomic<Bool>(false)

    public init() {
        var fds: [Int32] = [-1, -1]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe failed")
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        fd = fds[0]
        writeEnd = Mutex(fds[1])
    }

    public var isTriggered: Bool { flag.load(ordering: .acquiring) }

    public func trigger() {
        flag.store(true, ordering: .releasing)
        writeEnd.withLock { end in
            if end >= 0 {
                _ = Glibc.close(end)
                end = -1
            }
        }
    }
}
