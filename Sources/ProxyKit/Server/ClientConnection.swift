#if canImport(Glibc)
import Glibc
#endif

/// One accepted client connection, owned and used by a single thread: it reads request heads
/// and bodies through the parser under the configured deadlines, and writes responses.
public final class ClientConnection {
    public let socket: Socket
    /// The TCP peer's IP address.
    public let peer: String
    let timeouts: ServerTimeouts
    /// The server's shutdown state and poller group.
    let shutdown: ShutdownSignal
    private var parser: HTTPRequestParser
    /// Requests started on this connection.
    public private(set) var requestCount = 0
    /// Whether the current request's body (or its `.end`) has been consumed.
    private var messageComplete = true
    private var closed = false
    /// Whether the last read found the socket empty (EAGAIN, or fewer bytes than asked for).
    /// A new connection counts as drained: registering it reports data already waiting.
    private var drained = true

    public init(socket: Socket, peer: String, timeouts: ServerTimeouts, limits: HTTPParserLimits, shutdown: ShutdownSignal) {
        self.socket = socket
        self.peer = peer
        self.timeouts = timeouts
        self.shutdown = shutdown
        self.parser = HTTPRequestParser(limits: limits)
    }

    deinit {
        assert(closed, "ClientConnection leaked an open socket")
        upstreamBuffer?.deallocate()
    }

    private var upstreamBuffer: UnsafeMutableRawBufferPointer?

    /// The last bearer key's digest, so a keep-alive connection's key is hashed once.
    var bearerDigestCache = BearerDigestCache()

    /// A read-size (32 KiB) buffer for reading this connection's upstream responses, allocated
    /// on first use and reused for every request on the connection.
    var upstreamReadBuffer: UnsafeMutableRawBufferPointer {
        if let upstreamBuffer { return upstreamBuffer }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: UpstreamExchange.readSize, alignment: 16)
        upstreamBuffer = buffer
        return buffer
    }

    /// The array the last response was assembled in, kept for the next one when it stayed
    /// small: a head plus a small body then costs no allocation per request.
    private var spareResponseBuffer: [UInt8] = []
    /// Largest response buffer kept between requests (8 KiB: an idle connection holds at most
    /// that; a stream's buffer, grown to its read size, is let go).
    static let keptResponseBufferBytes = 8 * 1024

    /// An empty array to assemble a response in (the kept one, if any).
    func takeResponseBuffer() -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &spareResponseBuffer)
        return buffer
    }

    /// Keeps `buffer` (emptied) for the next response, unless it grew large.
    func recycleResponseBuffer(_ buffer: inout [UInt8]) {
        guard buffer.capacity <= Self.keptResponseBufferBytes else { return }
        buffer.removeAll(keepingCapacity: true)
        swap(&buffer, &spareResponseBuffer)
    }

    /// Whether the response to the current request may leave the connection open.
    public func keepAliveAfter(_ head: HTTPRequestHead) -> Bool {
        head.keepAlive && requestCount < timeouts.maxRequestsPerConnection && !shutdown.isTriggered
    }

    // MARK: - Reading

    /// Waits for the next request head. Returns nil when the connection should close quietly:
    /// the client closed it, it stayed idle too long, or the server is shutting down while it
    /// was idle.
    public func nextHead() async throws(ConnectionError) -> HTTPRequestHead? {
        precondition(messageComplete, "the previous request's body was not consumed")
        var headDeadline: Deadline? = requestCount == 0 ? .after(seconds: timeouts.header) : nil
        let idleDeadline = Deadline.after(seconds: timeouts.keepAlive)
        while true {
            if let event = try parseNext() {
                guard case .head(let head) = event else { throw .malformed(.invalidRequestLine) }
                requestCount += 1
                messageComplete = false
                return head
            }
            // A partly received head runs on the header deadline; an idle connection on the
            // keep-alive one (and closes quietly when it passes or the server stops).
            if !parser.isIdle, headDeadline == nil { headDeadline = .after(seconds: timeouts.header) }
            if let headDeadline, headDeadline.hasPassed { throw .timedOut }
            // Read before waiting: the poller is edge-triggered, so a wait is only right once
            // the socket is drained.
            if !drained {
                switch fill() {
                case .bytes: continue
                case .wouldBlock: break
                case .endOfFile, .failed: return nil
                }
            }
            let idle = parser.isIdle
            let deadline = idle && requestCount > 0 ? idleDeadline : (headDeadline ?? idleDeadline)
            switch await waitReadable(deadline: deadline, watchShutdown: idle) {
            case .ready: break
            case .shutdown: return nil
            case .timedOut:
                if parser.isIdle { return nil }
                throw .timedOut
            }
            switch fill() {
            case .bytes: if headDeadline == nil { headDeadline = .after(seconds: timeouts.header) }
            case .wouldBlock: continue
            case .endOfFile, .failed: return nil
            }
        }
    }

    /// Reads the whole body of `head`, sending `100 Continue` first when the client asked.
    public func readBody(of head: HTTPRequestHead) async throws(ConnectionError) -> [UInt8] {
        // No capacity reserved up front: a body that arrives with its head is taken as the
        // parser's event array, whole.
        var body: [UInt8] = []
        if head.expectsContinue, head.framing != .none, !messageComplete {
            do { try await socket.writeAsync(Self.continueResponse, stallTimeout: timeouts.write) } catch { throw .clientGone }
        }
        let total = Deadline.after(seconds: timeouts.body)
        while !messageComplete {
            if case .contentLength(let length) = head.framing, parser.bufferedByteCount == 0, body.count < length {
                try await readRemainingBody(into: &body, length: length, total: total)
                continue
            }
            if let event = try parseNext() {
                switch event {
                case .body(let bytes):
                    if body.isEmpty {
                        body = bytes
                    } else {
                        if case .contentLength(let n) = head.framing, body.capacity < n { body.reserveCapacity(n) }
                        body.append(contentsOf: bytes)
                    }
                case .end: messageComplete = true
                case .head: throw .malformed(.invalidRequestLine)
                }
                continue
            }
            if total.hasPassed { throw .timedOut }
            if !drained {
                switch fill() {
                case .bytes: continue
                case .wouldBlock: break
                case .endOfFile, .failed: throw .clientGone
                }
            }
            let deadline = Deadline.after(seconds: timeouts.bodyIdle).earliest(total)
            switch await waitReadable(deadline: deadline, watchShutdown: false) {
            case .ready, .shutdown: break
            case .timedOut: throw .timedOut
            }
            switch fill() {
            case .bytes, .wouldBlock: continue
            case .endOfFile, .failed: throw .clientGone
            }
        }
        return body
    }

    /// Reads the rest of a `Content-Length` body straight from the socket into `body`, once
    /// the parser holds no buffered bytes: a large body is then copied once, not through the
    /// parser's buffer and events. Exactly the missing bytes are read (a pipelined request
    /// stays in the socket), and the parser restarts at the message boundary afterwards.
    private func readRemainingBody(into body: inout [UInt8], length: Int, total: Deadline) async throws(ConnectionError) {
        var filled = body.count
        body.append(contentsOf: repeatElement(0, count: length - filled))
        while filled < length {
            if total.hasPassed { throw .timedOut }
            let start = filled
            let result: Socket.ReadResult
            do {
                result = try body.withUnsafeMutableBytes { raw throws(SocketError) in
                    try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<length]))
                }
            } catch {
                throw .clientGone
            }
            switch result {
            case .bytes(let n): filled += n
            case .endOfFile: throw .clientGone
            case .wouldBlock:
                let deadline = Deadline.after(seconds: timeouts.bodyIdle).earliest(total)
                if await waitReadable(deadline: deadline, watchShutdown: false) == .timedOut { throw .timedOut }
            }
        }
        // A pipelined request may already wait in the socket: read before the next wait.
        drained = false
        parser = HTTPRequestParser(limits: parser.limits)
        messageComplete = true
    }

    /// Consumes the `.end` of a bodiless request so the next pipelined request can be read.
    /// Returns false when the request has an unread body (the connection must then close).
    public func finishBodilessRequest(_ head: HTTPRequestHead) -> Bool {
        if messageComplete { return true }
        if head.framing != .none, head.framing != .contentLength(0) { return false }
        if case .end? = try? parseNext() { messageComplete = true }
        return messageComplete
    }

    /// Whether the current request's body has been read to its end.
    public var isRequestComplete: Bool { messageComplete }

    private func parseNext() throws(ConnectionError) -> HTTPParserEvent<HTTPRequestHead>? {
        do { return try parser.next() } catch { throw .malformed(error) }
    }

    private enum FillResult { case bytes, wouldBlock, endOfFile, failed }

    private func fill() -> FillResult {
        do {
            // The thread's scratch buffer: the bytes are in the parser before anything else
            // can run on this thread, so idle connections hold no read buffer of their own.
            let buffer = ThreadScratchBuffer.current
            switch try socket.read(into: buffer) {
            case .bytes(let n):
                drained = n < buffer.count
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                return .bytes
            case .wouldBlock:
                drained = true
                return .wouldBlock
            case .endOfFile: return .endOfFile
            }
        } catch {
            return .failed
        }
    }

    private enum WaitResult { case ready, timedOut, shutdown }

    private func waitReadable(deadline: Deadline, watchShutdown: Bool) async -> WaitResult {
        switch await Poller.shared.wait(.readable(socket.fd), deadline: deadline, shutdownGroup: watchShutdown ? shutdown.group : nil) {
        case .ready: return .ready
        case .timedOut: return .timedOut
        case .shutdown: return .shutdown
        }
    }

    // MARK: - Writing

    /// Writes bytes to the client; `SocketError.timedOut` when it stalls too long.
    public func write(_ bytes: [UInt8]) async throws(SocketError) {
        try await socket.writeAsync(bytes, stallTimeout: timeouts.write)
    }

    /// Writes a complete response with a body (`Content-Length` framing).
    public func writeResponse(status: Int, headers: HTTPHeaders, body: [UInt8], keepAlive: Bool) async throws(SocketError) {
        var headers = headers
        headers.add("Content-Length", decimal: body.count)
        if !keepAlive { headers.add("Connection", "close") }
        var out = HTTPEncoder.responseHead(status: status, headers: headers)
        out.append(contentsOf: body)
        try await write(out)
    }

    /// Answers with an OpenAI-shaped error.
    public func writeError(_ error: OpenAIError, requestID: String?, keepAlive: Bool) async {
        var headers = HTTPHeaders(reservingCapacity: 8)
        headers.add("Content-Type", "application/json")
        for (name, value) in error.headers { headers.add(name, value) }
        if let requestID { headers.add("X-Request-Id", requestID) }
        try? await writeResponse(status: error.status, headers: headers, body: error.body, keepAlive: keepAlive)
    }

    // MARK: - Closing

    /// Closes after an error response: stop writing, read and discard up to 64 KiB for up to
    /// 5 s so the client reads our answer rather than a reset (RFC 9112 §9.6), then close.
    public func lingeringClose() async {
        _ = Glibc.shutdown(socket.fd, Int32(SHUT_WR))
        let deadline = Deadline.after(seconds: timeouts.lingerSeconds)
        var discarded = 0
        // Its own buffer: the reads suspend, and what they read is thrown away.
        let discard = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { discard.deallocate() }
        while discarded < timeouts.lingerBytes {
            let room = UnsafeMutableRawBufferPointer(rebasing: discard[0..<min(discard.count, timeouts.lingerBytes - discarded)])
            guard let result = try? await socket.readAsync(into: room, deadline: deadline), case .bytes(let n) = result else { break }
            discarded += n
        }
        close()
    }

    public func close() {
        guard !closed else { return }
        closed = true
        socket.close()
        bearerDigestCache.clear()
    }

    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}

@available(*, unavailable)
extension ClientConnection: Sendable {}
