import Foundation
import Glibc
import Testing
@testable import ProxyKit

/// The deadlines of #2 that the other suites do not reach, each with a short setting. A
/// deadline is shown to be a total one by a peer that keeps making progress past it; the
/// tests assert what happens, never how fast.
struct TimeoutTests {
    /// Whether the server has answered or closed yet, without waiting.
    static func serverSpoke(_ client: TestHTTPClient) -> Bool {
        var pfd = pollfd(fd: client.socket.fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }

    /// Sends `piece` every 100 ms (at most 40 times) until the server answers; returns the
    /// server's bytes (up to its close) and how many pieces went out before it answered.
    static func drip(_ piece: String, to client: TestHTTPClient) -> (raw: String, drips: Int) {
        var drips = 0
        while drips < 40 && !serverSpoke(client) {
            try? client.send(piece)
            drips += 1
            usleep(100_000)
        }
        return (String(decoding: client.readUntilClose(timeout: 5), as: UTF8.self), drips)
    }

    /// A head dripped one field every 100 ms: no single wait is long, but the whole head is
    /// cut at its deadline, while the drip is still going (a per-read timer never would).
    @Test func headerDeadlineIsTotalNotPerRead() throws {
        let proxy = try ProxyHarness { $0.headerTimeout = 0.5 }
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        let (raw, drips) = Self.drip("X-Drip: 1\r\n", to: client)
        #expect(drips < 40, "the head was never cut while it kept arriving")
        #expect(raw.hasPrefix("HTTP/1.1 408 "), "\(raw)")
        #expect(proxy.upstream.requestCount == 0)
    }

    /// A body that stops arriving is cut at the idle deadline: 408, nothing forwarded.
    @Test func stalledBodyIsCutAtTheIdleDeadline() throws {
        let proxy = try ProxyHarness { $0.bodyIdleTimeout = 0.3 }
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\(RawRequest.authorization)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":")
        let raw = String(decoding: client.readUntilClose(timeout: 5), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 408 "), "\(raw)")
        #expect(proxy.upstream.requestCount == 0)
    }

    /// A body dripped a byte every 100 ms never trips the idle deadline, but the total one cuts
    /// it while it is still arriving.
    @Test func drippedBodyIsCutAtTheTotalDeadline() throws {
        let proxy = try ProxyHarness { $0.bodyTimeout = 0.5; $0.bodyIdleTimeout = 5 }
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\(RawRequest.authorization)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
        let (raw, drips) = Self.drip(" ", to: client)
        #expect(drips < 40, "the body was never cut while it kept arriving")
        #expect(raw.hasPrefix("HTTP/1.1 408 "), "\(raw)")
        #expect(proxy.upstream.requestCount == 0)
    }

    /// An upstream that goes quiet after the head of a stream: the stream is cut at the idle
    /// deadline (no chunked terminator, connection closed) and the upstream connection closed.
    @Test func quietStreamIsCutAtTheUpstreamIdleDeadline() throws {
        let proxy = try ProxyHarness { $0.upstreamIdleTimeout = 0.3 }
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"silent-stream","stream":true}"#))
        let raw = String(decoding: client.readUntilClose(timeout: 5), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 200 OK"), "\(raw)")
        #expect(!raw.hasSuffix("0\r\n\r\n"))
        #expect(client.isClosedByServer())
        #expect(proxy.upstream.waitUntil { proxy.upstream.abortCount == 1 }, "the upstream connection was not closed")
    }

    /// A stream that keeps going (an event every 20 ms) is cut at the whole-stream deadline.
    @Test func longStreamIsCutAtTheStreamDeadline() throws {
        let proxy = try ProxyHarness { $0.streamTimeout = 0.5 }
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"slow","max_tokens":200,"stream":true}"#))
        let raw = String(decoding: client.readUntilClose(timeout: 5), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 200 OK") && raw.contains("tok1"), "\(raw.prefix(300))")
        #expect(!raw.contains("tok199") && !raw.hasSuffix("0\r\n\r\n"))
        #expect(proxy.upstream.waitUntil { proxy.upstream.abortCount == 1 }, "the upstream stream was not aborted")
    }

    /// A client that stops reading a large response is dropped at the write deadline instead
    /// of holding the connection (and the upstream) forever.
    @Test func clientThatStopsReadingIsDroppedAtTheWriteDeadline() throws {
        let proxy = try ProxyHarness { $0.writeTimeout = 0.5 }
        let client = try proxy.client()
        // About 7 MB of JSON: more than the socket buffers between the proxy and us can hold,
        // so the proxy's writes stall while we do not read.
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"m","max_tokens":1000000}"#))
        usleep(2_000_000)
        let raw = client.readUntilClose(timeout: 20)
        #expect(client.isClosedByServer(timeout: 1), "the connection is still open")
        let head = String(decoding: raw.prefix(1024), as: UTF8.self).lowercased()
        let length = head.range(of: "content-length: ").flatMap { Int(head[$0.upperBound...].prefix { $0.isNumber }) }
        let headEnd = head.range(of: "\r\n\r\n").map { head.distance(from: head.startIndex, to: $0.upperBound) }
        #expect(head.hasPrefix("http/1.1 200"), "\(head.prefix(200))")
        let bodyLength = try #require(length)
        #expect(raw.count - (headEnd ?? 0) < bodyLength, "read the whole \(bodyLength)-byte body: the response was not cut")
    }

    /// After an error the server keeps reading (and dropping) what the client still sends, up
    /// to 64 KiB, before it closes: a client mid-upload is not reset while the error response
    /// may still be in flight. Past 64 KiB it closes, and the client's sends start failing.
    @Test func errorIsFollowedByABoundedLingeringRead() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(try client.readResponse().status == 400)
        let kibibyte = [UInt8](repeating: 0x78, count: 1024)
        for i in 0..<20 {
            do { try client.send(kibibyte) } catch {
                Issue.record("send \(i) after the 400 failed: the server did not linger (\(error))")
                return
            }
            usleep(10_000)
        }
        var failedAt: Int?
        for i in 0..<200 where failedAt == nil {
            do { try client.send(kibibyte) } catch { failedAt = 20 + i }
            usleep(2_000)
        }
        let kib = try #require(failedAt, "220 KiB after the 400 were all accepted: the lingering read is not bounded")
        #expect(kib >= 64, "closed after \(kib) KiB")
    }

    /// An upstream that never completes the TCP handshake (a listener whose accept queue is
    /// full drops further SYNs) is given up at the connect deadline: 504 in OpenAI shape.
    @Test func unansweredUpstreamConnectIs504() throws {
        let listener = try Socket.listen(on: HostPort(host: "127.0.0.1", port: 0), backlog: 0)
        defer { listener.close() }
        let address = HostPort(host: "127.0.0.1", port: listener.localPort())
        // Fill the accept queue; nobody accepts.
        var fillers: [Socket] = []
        defer { fillers.forEach { $0.close() } }
        for _ in 0..<4 {
            guard let socket = try? Socket.connect(to: address, deadline: .after(seconds: 0.3)) else { break }
            fillers.append(socket)
        }
        let proxy = try ProxyHarness(upstreamURL: "http://127.0.0.1:\(address.port)") { $0.upstreamConnectTimeout = 0.3 }
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"m"}"#))
        let response = try client.readResponse()
        #expect(response.status == 504, "\(response.text)")
        #expect(response.text.contains("upstream_timeout"), "\(response.text)")
    }

    /// The default limits over the wire, each one byte or one field past its limit: 414 for
    /// the request line, 431 for a header line, the header block and the header count.
    @Test func defaultHeadLimitsAnswer414And431() throws {
        let proxy = try ProxyHarness()
        let field = { (i: Int, size: Int) in "X-F\(i): " + String(repeating: "v", count: size) + "\r\n" }
        let cases: [(String, Int)] = [
            ("POST /v1/chat/completions?" + String(repeating: "q", count: 8 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + field(0, 8 * 1024) + "\r\n", 431),
            ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + (0..<5).map { field($0, 7000) }.joined() + "\r\n", 431),
            ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + (0..<100).map { field($0, 1) }.joined() + "\r\n", 431),
        ]
        for (request, status) in cases {
            let client = try proxy.client()
            try client.send(request)
            let raw = String(decoding: client.readUntilClose(timeout: 5), as: UTF8.self)
            #expect(raw.hasPrefix("HTTP/1.1 \(status) "), "\(request.prefix(60)): \(raw.prefix(80))")
        }
        // Just inside every limit, the same shapes are served.
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"m"}"#, headers: (0..<90).map { "X-F\($0): v" } + ["X-Big: " + String(repeating: "v", count: 8000)]))
        #expect(try client.readResponse().status == 200)
        #expect(proxy.upstream.requestCount == 1)
    }

    /// Each event is written as it arrives: a stream of an event every 20 ms reaches the client
    /// in many reads spread over the stream's life, not in one burst at its end.
    @Test func streamEventsArriveAsTheyAreSent() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"slow","max_tokens":10,"stream":true}"#))
        var arrivals: [UInt64] = []
        let response = try client.readResponse { _ in arrivals.append(Deadline.now().nanoseconds) }
        #expect(response.status == 200 && response.text.contains("tok9"))
        #expect(arrivals.count >= 8, "\(arrivals.count) reads for 10 events sent 20 ms apart")
        let spread = (arrivals.last ?? 0) - (arrivals.first ?? 0)
        #expect(spread >= 100_000_000, "all events arrived within \(spread / 1_000_000) ms")
    }

    /// #2's defaults for the request parser.
    @Test func requestLimitsDefaultToTheIssuesValues() {
        let limits = HTTPParserLimits.requests
        #expect(limits.maxStartLineBytes == 8 * 1024 && limits.maxHeaderLineBytes == 8 * 1024)
        #expect(limits.maxHeaderBlockBytes == 32 * 1024 && limits.maxHeaderCount == 100)
        #expect(limits.maxBodyBytes == 8 * 1024 * 1024 && ProxyConfiguration().maxBodyBytes == 8 * 1024 * 1024)
        #expect(ProxyConfiguration().shutdownGrace == 30)
    }

    /// Both ends of a proxied exchange disable Nagle: events are written as they come.
    @Test func socketsSetNoDelayBothWays() throws {
        let listener = try Socket.listen(on: HostPort(host: "127.0.0.1", port: 0))
        defer { listener.close() }
        let outgoing = try Socket.connect(to: HostPort(host: "127.0.0.1", port: listener.localPort()), deadline: .after(seconds: 5))
        defer { outgoing.close() }
        var accepted: Socket?
        let deadline = Deadline.after(seconds: 5)
        while accepted == nil && !deadline.hasPassed {
            accepted = try listener.accept()?.socket
            if accepted == nil { usleep(5_000) }
        }
        let incoming = try #require(accepted)
        defer { incoming.close() }
        func noDelay(_ socket: Socket) -> Int32 {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(socket.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &value, &length)
            return value
        }
        #expect(noDelay(outgoing) != 0)
        #expect(noDelay(incoming) != 0)
    }
}
