#if canImport(Glibc)
import Glibc
#endif

/// Sends one request upstream and streams the response to the client as it arrives.
///
/// Each upstream read is written to the client before the next read (no coalescing timer,
/// `TCP_NODELAY`), so memory per stream is one read buffer and a slow client back-pressures
/// the upstream through TCP. While waiting on the upstream the client socket is watched for
/// a hang-up, so a client that leaves makes the proxy close the upstream connection at once
/// (vLLM then aborts the sequence and frees its slot).
struct UpstreamExchange {
    let pool: UpstreamPool
    /// Seconds to the first response byte, and between reads. Default 300.
    let idleTimeout: Double
    /// Seconds for the whole response. Default 1800.
    let totalTimeout: Double

    /// Size of one upstream read (32 KiB: SSE events are small; measured: 64 KiB per connection
    /// pushed RSS past 64 MiB under 1,000 idle + 200 streams, 16 KiB cost stream throughput).
    static let readSize = 32 * 1024

    /// Largest response body `bodyFilter` may be given; a longer one is a 502.
    static let maxFilteredBodyBytes = 4 * 1024 * 1024

    /// - Parameters:
    ///   - bodyFilter: when set, a 200 response is read whole and replaced by the filter's
    ///     result (used to show a user only their allowed models).
    ///   - removeUsageChunk: drop the SSE usage-only chunk (the proxy asked for it).
    ///   - beforeFinal: called before the response's last bytes are written (the usage
    ///     record is written there, so a client that saw its response complete finds it).
    func run(
        request: UpstreamRequest, method: String, client: ClientConnection, clientHead: HTTPRequestHead, requestID: String,
        bodyFilter: (@Sendable ([UInt8]) -> [UInt8]?)? = nil, removeUsageChunk: Bool = false,
        beforeFinal: (MeteredResponse) -> Void = { _ in }
    ) async -> ExchangeOutcome {
        let buffer = client.upstreamReadBuffer
        let total = Deadline.after(seconds: totalTimeout)

        var lease: UpstreamPool.Lease
        do { lease = try await pool.acquire() } catch { return .failedBeforeResponse(error) }
        var parser = HTTPResponseParser()
        var retried = false
        var head: HTTPResponseHead

        // Send, and wait for the head. A reused connection that fails before any response
        // byte arrived (the upstream closed it while idle) is retried once on a fresh one.
        attempt: while true {
            // The retry (the only second attempt) starts from a fresh parser.
            if retried { parser = HTTPResponseParser() }
            parser.expectResponse(toMethod: method)
            var receivedAny = false
            var drained = true
            do {
                try await request.send(on: lease.socket, stallTimeout: idleTimeout)
            } catch {
                if let failure = await retryOrFail(.closedBeforeResponse, &lease, receivedAny: receivedAny, retried: &retried) {
                    return .failedBeforeResponse(failure)
                }
                continue attempt
            }
            while true {
                let event: HTTPParserEvent<HTTPResponseHead>?
                do { event = try parser.next() } catch {
                    pool.discard(lease.socket)
                    return .failedBeforeResponse(.invalidResponse(error))
                }
                if case .head(let h)? = event {
                    if h.status >= 100 && h.status < 200 {
                        // Interim response: skip it and its (empty) end.
                        _ = try? parser.next()
                        parser.expectResponse(toMethod: method)
                        continue
                    }
                    head = h
                    break attempt
                }
                if drained, let failure = await awaitResponseBytes(lease, client: client, total: total) { return failure }
                switch readUpstream(lease.socket, into: buffer, parser: &parser) {
                case .bytes(let empty):
                    receivedAny = true
                    drained = empty
                case .wouldBlock:
                    drained = true
                    continue
                case .closed:
                    if let failure = await retryOrFail(.closedBeforeResponse, &lease, receivedAny: receivedAny, retried: &retried) {
                        return .failedBeforeResponse(failure)
                    }
                    continue attempt
                }
            }
        }

        if let bodyFilter, head.status == 200 {
            return await collectAndFilter(lease: lease, parser: &parser, head: head, buffer: buffer, total: total, client: client,
                                    clientHead: clientHead, requestID: requestID, filter: bodyFilter, beforeFinal: beforeFinal)
        }

        return await ResponseRelay(exchange: self, client: client, clientHead: clientHead, requestID: requestID)
            .relay(lease: lease, parser: &parser, head: head, buffer: buffer, total: total,
                   removeUsageChunk: removeUsageChunk, beforeFinal: beforeFinal)
    }

    /// After a failure before any response byte: a reused connection is retried once on a
    /// fresh one (the upstream closed it while idle); nil means `lease` is that fresh one.
    private func retryOrFail(_ error: UpstreamError, _ lease: inout UpstreamPool.Lease, receivedAny: Bool, retried: inout Bool) async -> UpstreamError? {
        pool.discard(lease.socket)
        guard lease.reused, !receivedAny, !retried else { return error }
        retried = true
        do { lease = try await pool.connect() } catch { return error }
        return nil
    }

    /// Reads a whole (small) response, filters it and answers with `Content-Length`.
    private func collectAndFilter(
        lease: UpstreamPool.Lease, parser: inout HTTPResponseParser, head: HTTPResponseHead, buffer: UnsafeMutableRawBufferPointer,
        total: Deadline, client: ClientConnection, clientHead: HTTPRequestHead, requestID: String, filter: ([UInt8]) -> [UInt8]?,
        beforeFinal: (MeteredResponse) -> Void
    ) async -> ExchangeOutcome {
        var body: [UInt8] = []
        var complete = false
        var drained = true
        while !complete {
            do {
                while let event = try parser.next() {
                    if case .body(let bytes) = event { body += bytes }
                    if case .end = event { complete = true }
                }
            } catch {
                pool.discard(lease.socket)
                return .failedBeforeResponse(.invalidResponse(error))
            }
            if complete { break }
            guard body.count <= Self.maxFilteredBodyBytes else {
                pool.discard(lease.socket)
                return .failedBeforeResponse(.closedBeforeResponse)
            }
            if drained, let failure = await awaitResponseBytes(lease, client: client, total: total) { return failure }
            let read = readUpstream(lease.socket, into: buffer, parser: &parser)
            drained = read != .bytes(drained: false)
            if read == .closed {
                if case .end? = try? parser.finish() {
                    complete = true
                } else {
                    pool.discard(lease.socket)
                    return .failedBeforeResponse(.closedBeforeResponse)
                }
            }
        }
        if head.keepAlive && parser.bufferedByteCount == 0 { pool.release(lease.socket) } else { pool.discard(lease.socket) }
        guard let filtered = filter(body) else { return .failedBeforeResponse(.invalidResponse(.invalidStatusLine)) }
        var headers = HopByHopHeaders.responseHeaders(from: head.headers)
        headers.add("X-Request-Id", requestID)
        let keepAlive = client.keepAliveAfter(clientHead)
        let metered = MeteredResponse(status: head.status, streamed: false, usage: nil, contentDeltas: 0, firstContentAt: nil, sawDone: false, streamErrorReason: nil)
        beforeFinal(metered)
        do { try await client.writeResponse(status: head.status, headers: headers, body: filtered, keepAlive: keepAlive) } catch {
            return .clientGone(metered)
        }
        return .completed(metered, keepClientOpen: keepAlive)
    }

    /// Waits for the upstream to send (more of) a response that has not reached the client yet;
    /// returns the outcome when the client left or the upstream stayed silent too long.
    private func awaitResponseBytes(_ lease: UpstreamPool.Lease, client: ClientConnection, total: Deadline) async -> ExchangeOutcome? {
        switch await wait(upstream: lease.socket, client: client.socket, deadline: Deadline.after(seconds: idleTimeout).earliest(total)) {
        case .clientHungUp:
            pool.discard(lease.socket, abort: true)
            return .clientGone(nil)
        case .timedOut:
            pool.discard(lease.socket, abort: true)
            return .failedBeforeResponse(.responseTimedOut)
        case .upstreamReadable:
            return nil
        }
    }

    /// Ends a response that cannot complete: whatever decoded bytes are pending are sent, but
    /// never the final chunk; the caller then closes the client connection.
    func cut(lease: UpstreamPool.Lease, client: ClientConnection, pending: [UInt8], metered: MeteredResponse, reason: String) async -> ExchangeOutcome {
        pool.discard(lease.socket, abort: true)
        if !pending.isEmpty { try? await client.write(pending) }
        // The caller records usage, then closes the client connection (never the final chunk).
        return .upstreamCut(metered, reason: reason)
    }

    /// `drained`: the read found the socket empty (fewer bytes than asked for). The poller is
    /// edge-triggered, so a caller waits only when the last read drained the socket.
    enum ReadOutcome: Equatable { case bytes(drained: Bool), wouldBlock, closed }

    func readUpstream(_ socket: Socket, into buffer: UnsafeMutableRawBufferPointer, parser: inout HTTPResponseParser) -> ReadOutcome {
        do {
            switch try socket.read(into: buffer) {
            case .bytes(let n):
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                return .bytes(drained: n < buffer.count)
            case .wouldBlock: return .wouldBlock
            case .endOfFile: return .closed
            }
        } catch {
            return .closed
        }
    }

    enum WaitOutcome { case upstreamReadable, clientHungUp, timedOut }

    /// Waits for upstream bytes while watching the client for a hang-up (EPOLLRDHUP: bytes a
    /// client pipelines do not wake this wait; its FIN or RST does).
    func wait(upstream: Socket, client: Socket, deadline: Deadline) async -> WaitOutcome {
        switch await Poller.shared.wait(.readable(upstream.fd), .hangUp(client.fd), deadline: deadline) {
        case .ready(0): return .upstreamReadable
        case .ready: return .clientHungUp
        case .timedOut, .shutdown: return .timedOut
        }
    }
}
