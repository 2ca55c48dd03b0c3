/// Streams one upstream response (head already read) to the client, metering it on the way.
///
/// Each upstream read is written to the client before the next read (no coalescing timer,
/// `TCP_NODELAY`), so memory per stream is one read buffer and a slow client back-pressures
/// the upstream through TCP. The response's last bytes (the final chunk, or the last body
/// byte) are held back until `beforeFinal` has run: the usage record is on disk before the
/// client can see its response complete.
struct ResponseRelay {
    let exchange: UpstreamExchange
    let client: ClientConnection
    let clientHead: HTTPRequestHead
    let requestID: String

    func relay(
        lease: UpstreamPool.Lease, parser: inout HTTPResponseParser, head: HTTPResponseHead, buffer: UnsafeMutableRawBufferPointer,
        total: Deadline, removeUsageChunk: Bool, beforeFinal: (MeteredResponse) -> Void
    ) async -> ExchangeOutcome {
        let pool = exchange.pool
        let clientHTTP11 = clientHead.version == .http1_1
        let streamsChunked = head.framing == .chunked || head.framing == .untilClose
        // An HTTP/1.0 client gets a stream as a body that runs until close.
        let keepClientOpen = client.keepAliveAfter(clientHead) && (clientHTTP11 || !streamsChunked)
        var contentLength: Int?
        if case .contentLength(let n) = head.framing { contentLength = n }
        let chunkedToClient = streamsChunked && clientHTTP11
        // Removing bytes is only possible where the proxy computes the client's framing.
        var meter = ResponseMeter(head: head, removeUsageChunk: removeUsageChunk && streamsChunked)

        var body = ClientBody(out: client.takeResponseBuffer(), chunked: chunkedToClient, contentLength: contentLength)
        // A small response goes out in one write; a stream grows this once to its read size.
        body.out.reserveCapacity(contentLength.map { min($0, UpstreamExchange.readSize) + 1024 } ?? 4096)
        // The head is written straight into the output: the upstream's forwardable fields as
        // they arrived, then the proxy's own (request id, framing, connection).
        HTTPEncoder.appendStatusLine(status: head.status, reason: head.reason, to: &body.out)
        HopByHopHeaders.appendResponseFields(from: head.headers, to: &body.out)
        HTTPEncoder.appendField("X-Request-Id", requestID, to: &body.out)
        switch head.framing {
        case .contentLength(let n):
            HTTPEncoder.appendField("Content-Length", decimal: n, to: &body.out)
        case .none:
            if head.status != 204 && head.status != 304 { HTTPEncoder.appendField("Content-Length", decimal: 0, to: &body.out) }
        case .chunked, .untilClose:
            if clientHTTP11 { HTTPEncoder.appendField("Transfer-Encoding", "chunked", to: &body.out) }
        }
        if !keepClientOpen { HTTPEncoder.appendField("Connection", "close", to: &body.out) }
        body.out.append(0x0D)
        body.out.append(0x0A)

        var upstreamKeepAlive = head.keepAlive
        // The head's read may have left more bytes in the socket: read before the first wait.
        var drained = false
        while true {
            var finished = false
            while !finished {
                let event: HTTPParserEvent<HTTPResponseHead>?
                do { event = try parser.next() } catch {
                    return await exchange.cut(lease: lease, client: client, pending: body.out, metered: meter.summary, reason: UsageReason.upstreamInvalidBody)
                }
                guard let event else { break }
                switch event {
                case .body(let bytes):
                    body.emit(meter.feed(bytes, now: Deadline.now().nanoseconds))
                case .end:
                    finished = true
                case .head:
                    upstreamKeepAlive = false
                    finished = true
                }
            }
            if finished { return await complete(&body, &meter, lease: lease, upstreamReusable: upstreamKeepAlive && parser.bufferedByteCount == 0, keepClientOpen: keepClientOpen, beforeFinal: beforeFinal) }
            if !body.out.isEmpty {
                do { try await client.write(body.out) } catch {
                    pool.discard(lease.socket, abort: true)
                    return .clientGone(meter.summary)
                }
                body.out.removeAll(keepingCapacity: true)
            }
            if drained {
                switch await exchange.wait(upstream: lease.socket, client: client.socket,
                                           deadline: Deadline.after(seconds: exchange.idleTimeout).earliest(total)) {
                case .clientHungUp:
                    pool.discard(lease.socket, abort: true)
                    return .clientGone(meter.summary)
                case .timedOut:
                    return await exchange.cut(lease: lease, client: client, pending: [], metered: meter.summary, reason: UsageReason.upstreamTimeout)
                case .upstreamReadable:
                    break
                }
            }
            switch exchange.readUpstream(lease.socket, into: buffer, parser: &parser) {
            case .bytes(let empty):
                drained = empty
                continue
            case .wouldBlock:
                drained = true
                continue
            case .closed:
                // EOF: a body that runs until close ends here; any other body was cut short.
                while let event = try? parser.finish() {
                    switch event {
                    case .body(let bytes): body.emit(meter.feed(bytes, now: Deadline.now().nanoseconds))
                    case .end: return await complete(&body, &meter, lease: lease, upstreamReusable: false, keepClientOpen: keepClientOpen, beforeFinal: beforeFinal)
                    case .head: break
                    }
                }
                return await exchange.cut(lease: lease, client: client, pending: body.out, metered: meter.summary, reason: UsageReason.upstreamClosedMidResponse)
            }
        }
    }

    /// Ends a response whose upstream side is complete: the usage record (`beforeFinal`) is
    /// written, then the rest of the response, held-back bytes included, goes out.
    private func complete(
        _ body: inout ClientBody, _ meter: inout ResponseMeter, lease: UpstreamPool.Lease, upstreamReusable: Bool, keepClientOpen: Bool,
        beforeFinal: (MeteredResponse) -> Void
    ) async -> ExchangeOutcome {
        body.emit(meter.finish())
        let metered = meter.summary
        beforeFinal(metered)
        body.finish()
        if upstreamReusable { exchange.pool.release(lease.socket) } else { exchange.pool.discard(lease.socket) }
        do { try await client.write(body.out) } catch { return .clientGone(metered) }
        client.recycleResponseBuffer(&body.out)
        return .completed(metered, keepClientOpen: keepClientOpen)
    }
}

/// The bytes on their way to the client: the head, then the body in the client's framing.
/// The response's last byte (or the final chunk) waits until `finish`: the
/// usage record is written in between. A struct with mutating methods, not closures over
/// locals (captured locals are boxed, and every access is checked at run time).
struct ClientBody {
    var out: [UInt8]
    let chunked: Bool
    let contentLength: Int?
    private var forwarded = 0
    /// The last body byte of a `Content-Length` response, held back (a chunked body holds
    /// back its final chunk instead).
    private var heldBackByte: UInt8?

    init(out: [UInt8], chunked: Bool, contentLength: Int?) {
        self.out = out
        self.chunked = chunked
        self.contentLength = contentLength
    }

    mutating func emit(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if chunked {
            HTTPEncoder.appendChunk(bytes, to: &out)
        } else if let contentLength, forwarded + bytes.count >= contentLength {
            // The last body byte waits for the usage record.
            out.append(contentsOf: bytes.dropLast())
            heldBackByte = bytes.last
            forwarded += bytes.count
        } else {
            out.append(contentsOf: bytes)
            forwarded += bytes.count
        }
    }

    /// Appends what was held back (and the final chunk): the response is complete in `out`.
    mutating func finish() {
        if let heldBackByte { out.append(heldBackByte) }
        heldBackByte = nil
        if chunked { out.append(contentsOf: HTTPEncoder.lastChunk) }
    }
}
