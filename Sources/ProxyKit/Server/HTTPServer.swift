#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Accepts connections and serves each as a task on a small worker executor, suspending on
/// the epoll `Poller` whenever a socket is not ready (see README, "Architecture").
/// Lifecycle: `init` binds, `start()` accepts, `shutdown(grace:)` stops accepting, lets
/// running requests finish and closes idle connections.
public final class HTTPServer: Sendable {
    /// Tunables of the accept loop and connections.
    public struct Configuration: Sendable {
        public var address: HostPort
        public var timeouts: ServerTimeouts
        public var limits: HTTPParserLimits
        /// Most simultaneously open connections; more are answered 503 and closed. Default 4096.
        public var maxConnections: Int
        /// Where connection tasks run. Default: the shared executor (one thread per core).
        public var executor: WorkerExecutor

        public init(
            address: HostPort, timeouts: ServerTimeouts = .init(), limits: HTTPParserLimits = .requests, maxConnections: Int = 4096,
            executor: WorkerExecutor = .shared
        ) {
            self.address = address
            self.timeouts = timeouts
            self.limits = limits
            self.maxConnections = maxConnections
            self.executor = executor
        }
    }

    /// The bound port (useful when listening on port 0).
    public let port: Int
    let configuration: Configuration
    let listener: Socket
    let handler: any HTTPRequestHandler
    let logger: Logger
    let shutdownSignal = ShutdownSignal()
    let openConnections = Atomic<Int>(0)
    let activeRequests = Atomic<Int>(0)
    let acceptLoopDone = Atomic<Bool>(false)

    public init(configuration: Configuration, handler: any HTTPRequestHandler, logger: Logger) throws(SocketError) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.listener = try Socket.listen(on: configuration.address)
        self.port = listener.localPort()
    }

    /// Number of requests being answered right now.
    public var inFlightRequests: Int { activeRequests.load(ordering: .relaxed) }
    /// Number of open client connections.
    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// Starts the accept loop.
    public func start() {
        Task(executorPreference: configuration.executor) { await self.acceptLoop() }
    }

    /// Stops accepting, wakes idle connections so they close, and waits up to `grace` seconds
    /// for running requests to finish. Returns true when all finished in time.
    @discardableResult
    public func shutdown(grace: Double) -> Bool {
        shutdownSignal.trigger()
        let deadline = Deadline.after(seconds: grace)
        while !deadline.hasPassed {
            if activeRequests.load(ordering: .acquiring) == 0 && acceptLoopDone.load(ordering: .acquiring) { return true }
            usleep(20_000)
        }
        return activeRequests.load(ordering: .acquiring) == 0
    }

    private func acceptLoop() async {
        while !shutdownSignal.isTriggered {
            while let (socket, peer) = (try? listener.accept()) ?? nil {
                admit(socket, peer: peer)
            }
            if await Poller.shared.wait(.readable(listener.fd), deadline: .distantFuture, shutdownGroup: shutdownSignal.group) == .shutdown {
                break
            }
        }
        listener.close()
        acceptLoopDone.store(true, ordering: .releasing)
    }

    private func admit(_ socket: Socket, peer: String) {
        let open = openConnections.add(1, ordering: .relaxed).newValue
        let refuse = open > configuration.maxConnections
        Task(executorPreference: configuration.executor) {
            let connection = self.makeConnection(socket, peer: peer)
            if refuse {
                await connection.writeError(.tooManyConnections, requestID: nil, keepAlive: false)
                connection.close()
                self.logger.warning("connection refused: too many open connections", ["peer": peer])
            } else {
                await self.serve(connection)
            }
            self.openConnections.subtract(1, ordering: .relaxed)
        }
    }

    private func makeConnection(_ socket: Socket, peer: String) -> ClientConnection {
        ClientConnection(socket: socket, peer: peer, timeouts: configuration.timeouts, limits: configuration.limits, shutdown: shutdownSignal)
    }

    /// The keep-alive loop of one connection.
    private func serve(_ connection: ClientConnection) async {
        while true {
            let head: HTTPRequestHead
            do {
                guard let next = try await connection.nextHead() else { break }
                head = next
            } catch .malformed(let error) {
                let requestID = RequestID.generate()
                logger.info("malformed request", ["peer": connection.peer, "error": error.message, "status": String(error.status)])
                handler.malformedRequest(status: error.status, reason: UsageReason.malformedRequest, requestID: requestID, peer: connection.peer)
                await connection.writeError(.badRequest(error.message, status: error.status, code: "malformed_request"), requestID: requestID, keepAlive: false)
                await connection.lingeringClose()
                return
            } catch .timedOut {
                let requestID = RequestID.generate()
                handler.malformedRequest(status: 408, reason: UsageReason.requestTimeout, requestID: requestID, peer: connection.peer)
                await connection.writeError(.badRequest("Request head not received in time.", status: 408, code: "request_timeout"), requestID: requestID, keepAlive: false)
                await connection.lingeringClose()
                return
            } catch {
                break
            }
            activeRequests.add(1, ordering: .relaxed)
            let keepOpen = await handler.handle(head, on: connection)
            activeRequests.subtract(1, ordering: .releasing)
            if !keepOpen { break }
        }
        connection.close()
    }
}
