import Synchronization

/// A server's shutdown: a flag connections check between requests, and a poller group whose
/// waiters (the accept loop, idle keep-alive connections) are woken at once.
public final class ShutdownSignal: Sendable {
    /// The poller group of this server's shutdown-aware waits.
    public let group: Int
    private let flag = Atomic<Bool>(false)

    public init(poller: Poller = .shared) {
        group = poller.makeShutdownGroup()
    }

    public var isTriggered: Bool { flag.load(ordering: .acquiring) }

    public func trigger(poller: Poller = .shared) {
        flag.store(true, ordering: .releasing)
        poller.triggerShutdown(group: group)
    }
}
