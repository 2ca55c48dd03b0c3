#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Keep-alive connections to the upstream. A connection goes back into the pool only after
/// its response was read to the end and the upstream allowed reuse; anything else is closed.
/// Idle connections expire after `idleTimeout` (below uvicorn's 5 s keep-alive) so a request
/// rarely meets a socket the server is closing; when it does, the caller retries once.
public final class UpstreamPool: Sendable {
    /// A connection handed to one exchange.
    public struct Lease: Sendable {
        public let socket: Socket
        /// Whether it was used before (a failure before any response byte may be retried).
        public let reused: Bool
    }

    struct IdleConnection {
        let socket: Socket
        let idleSince: Deadline
    }

    public let address: HostPort
    let connectTimeout: Double
    let idleTimeout: Double
    let maxIdle: Int
    private let idle = Mutex<[IdleConnection]>([])
    private let stopped = Atomic<Bool>(false)

    public init(address: HostPort, connectTimeout: Double = 5, idleTimeout: Double = 4, maxIdle: Int = 64) {
        self.address = address
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.maxIdle = maxIdle
        DetachedThread.start(stackSize: 64 * 1024) { [self] in self.reapLoop() }
    }

    /// The most recently used idle connection that is still fresh, or a new one.
    public func acquire() async throws(UpstreamError) -> Lease {
        while let candidate = popIdle() {
            // `idleSince` may be a hair after a clock read taken before the pop (another
            // thread released it meanwhile): compare without unsigned subtraction.
            let freshUntil = candidate.idleSince.nanoseconds + UInt64(idleTimeout * 1e9)
            if Deadline.now().nanoseconds < freshUntil, !Poller.shared.hasPendingHangUp(candidate.socket.fd) {
                return Lease(socket: candidate.socket, reused: true)
            }
            candidate.socket.close()
        }
        return try await connect()
    }

    /// A new connection, never a pooled one (used for the one retry).
    public func connect() async throws(UpstreamError) -> Lease {
        do {
            return Lease(socket: try await Socket.connectAsync(to: address, deadline: .after(seconds: connectTimeout)), reused: false)
        } catch .timedOut {
            throw .connectTimedOut
        } catch {
            throw .connectFailed(error.description)
        }
    }

    /// Returns a connection whose response was fully read and which the upstream keeps open.
    public func release(_ socket: Socket) {
        let kept = idle.withLock { list -> Bool in
            guard !stopped.load(ordering: .relaxed), list.count < maxIdle else { return false }
            list.append(IdleConnection(socket: socket, idleSince: .now()))
            return true
        }
        if !kept { socket.close() }
    }

    /// Closes a connection that must not be reused. With `abort`, the close sends RST so the
    /// upstream notices at once and vLLM aborts the sequence.
    public func discard(_ socket: Socket, abort: Bool = false) {
        if abort { socket.setLingerReset() }
        socket.close()
    }

    /// Number of idle pooled connections.
    public var idleCount: Int { idle.withLock { $0.count } }

    /// Closes every idle connection and stops pooling.
    public func close() {
        stopped.store(true, ordering: .relaxed)
        let all = idle.withLock { list -> [IdleConnection] in
            defer { list.removeAll() }
            return list
        }
        for entry in all { entry.socket.close() }
    }

    private func popIdle() -> IdleConnection? {
        idle.withLock { $0.popLast() }
    }

    /// Closes expired idle connections about once a second, so none lingers in CLOSE_WAIT.
    private func reapLoop() {
        while !stopped.load(ordering: .relaxed) {
            usleep(500_000)
            let limit = UInt64(idleTimeout * 1e9)
            let expired = idle.withLock { list -> [IdleConnection] in
                let now = Deadline.now().nanoseconds
                let old = list.filter { $0.idleSince.nanoseconds + limit <= now || Poller.shared.hasPendingHangUp($0.socket.fd) }
                list.removeAll { entry in old.contains { $0.socket == entry.socket } }
                return old
            }
            for entry in expired { entry.socket.close() }
        }
    }
}
