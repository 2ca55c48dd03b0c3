import Foundation
import Glibc
import Testing
@testable import ProxyKit

/// The proxy on a real ephemeral port in front of the fake vLLM, over real sockets.
@Suite(.serialized)
struct ReverseProxyTests {
    static let chatBody = #"{"model":"m","messages":[{"role":"user","content":"hello there"}],"max_tokens":4}"#
    static let streamBody = #"{"model":"m","messages":[{"role":"user","content":"hello there"}],"max_tokens":5,"stream":true,"stream_options":{"include_usage":true}}"#

    /// What the fake upstream answers when asked directly.
    func direct(_ upstream: FakeUpstream, path: String, json: String) throws -> TestHTTPClient.Response {
        let client = try TestHTTPClient(port: upstream.port)
        try client.send(RawRequest.post(path, json: json))
        return try client.readResponse()
    }

    @Test func nonStreamingBodyArrivesByteIdentical() throws {
        let proxy = try ProxyHarness()
        let expected = try direct(proxy.upstream, path: "/v1/chat/completions", json: Self.chatBody)
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody))
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.body == expected.body)
        #expect(response.header("Content-Length") == String(expected.body.count))
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("X-Request-Id")?.count == 32)
        // The request the upstream saw carries the client's exact body.
        #expect(proxy.upstream.requests.last?.body == Array(Self.chatBody.utf8))
    }

    @Test func streamingBodyArrivesByteIdentical() throws {
        let proxy = try ProxyHarness()
        let expected = try direct(proxy.upstream, path: "/v1/chat/completions", json: Self.streamBody)
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.streamBody))
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.header("Content-Type") == "text/event-stream; charset=utf-8")
        #expect(response.body == expected.body)
        #expect(response.text.hasSuffix("data: [DONE]\n\n"))
        #expect(response.text.contains(#""usage":{"prompt_tokens""#))
    }

    @Test func streamWithoutUsageGetsItInjectedAndTheUsageChunkRemoved() throws {
        let proxy = try ProxyHarness()
        let json = #"{"model":"m","prompt":"hi","max_tokens":3,"stream":true}"#
        let upstreamSees = #"{"model":"m","prompt":"hi","max_tokens":3,"stream":true,"stream_options":{"include_usage":true}}"#
        let direct = try direct(proxy.upstream, path: "/v1/completions", json: upstreamSees)
        // The upstream's bytes minus exactly the usage-only event.
        let events = direct.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let usageEvents = events.filter { $0.contains(#""choices":[],"usage""#) }
        #expect(usageEvents.count == 1)
        let expected = direct.text.replacingOccurrences(of: usageEvents[0] + "\n\n", with: "")
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/completions", json: json))
        let response = try client.readResponse()
        #expect(response.text == expected)
        #expect(proxy.upstream.requests.last?.body == Array(upstreamSees.utf8))
        #expect(proxy.upstream.requests.last?.target == "/v1/completions")
        // The record still has the upstream's exact usage.
        let record = try #require(proxy.journal().last)
        #expect(record.usageSource == .upstream)
        #expect(record.completionTokens == 3)
    }

    @Test func streamThatAskedForUsagePassesThroughByteIdentical() throws {
        let proxy = try ProxyHarness()
        let expected = try direct(proxy.upstream, path: "/v1/chat/completions", json: Self.streamBody)
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.streamBody))
        #expect(try client.readResponse().body == expected.body)
        #expect(proxy.upstream.requests.last?.body == Array(Self.streamBody.utf8))
    }

    @Test func injectionCanBeSwitchedOff() throws {
        let proxy = try ProxyHarness { $0.injectUsage = false }
        let json = #"{"model":"m","prompt":"hi","max_tokens":3,"stream":true}"#
        let expected = try direct(proxy.upstream, path: "/v1/completions", json: json)
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/completions", json: json))
        #expect(try client.readResponse().body == expected.body)
        #expect(proxy.upstream.requests.last?.body == Array(json.utf8))
        let record = try #require(proxy.journal().last)
        #expect(record.usageSource == .estimated)
        #expect(record.completionTokens == 3)
    }

    @Test func fiveMebibyteBodyArrivesByteIdentical() throws {
        let proxy = try ProxyHarness()
        var generator = SystemRandomNumberGenerator()
        let filler = String((0..<(5 * 1024 * 1024)).map { _ in Character(UnicodeScalar(UInt8(97 + generator.next() % 26))) })
        let json = #"{"model":"m","messages":[{"role":"user","content":"\#(filler)"}],"max_tokens":2}"#
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: json))
        let response = try client.readResponse(timeout: 30)
        #expect(response.status == 200)
        #expect(proxy.upstream.requests.last?.body == Array(json.utf8))
        #expect(proxy.upstream.requests.last?.headers[first: "Content-Length"] == String(json.utf8.count))
    }

    static let blockedPaths = [
        "/metrics", "/metrics/../v1/models", "/v1/%2e%2e/metrics", "/%6detrics", "/v1/%6dodels", "//v1/models",
        "/v1//models", "/v1/models/", "/v1/chat/completions/render", "/v1/load_lora_adapter", "/metricsXYZ",
        "/invocations", "/pause", "/collective_rpc", "/tokenize", "/v1/responses", "/v1/messages", "/health",
        "/v1/chat/completions/batch", "/scale_elastic_ep", "/docs", "/openapi.json", "/v1/./models", "/V1/MODELS",
        "/v1/models%00", "/v1/chat%2Fcompletions", "*", "/v1/models#x",
    ]

    @Test(arguments: blockedPaths)
    func blockedPathIsNotFoundAndNeverForwarded(path: String) throws {
        let proxy = try ProxyHarness()
        for method in ["GET", "POST"] {
            let client = try proxy.client()
            try client.send(method == "GET" ? RawRequest.get(path) : RawRequest.post(path, json: "{}"))
            let response = try client.readResponse(method: method)
            #expect(response.status == 404, "\(method) \(path)")
            let error = try JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body))
            #expect(error.error.type == "invalid_request_error")
            #expect(!error.error.message.isEmpty)
        }
        #expect(proxy.upstream.requestCount == 0)
        #expect(proxy.upstream.connectionCount == 0)
    }

    @Test func wrongMethodOnAllowedPathIs405() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.get("/v1/chat/completions"))
        let response = try client.readResponse(method: "GET")
        #expect(response.status == 405)
        #expect(response.header("Allow") == "POST")
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func healthzAnswersLocally() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.get("/healthz"))
        let response = try client.readResponse(method: "GET")
        #expect(response.status == 200)
        #expect(response.text == #"{"status":"ok"}"#)
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func queryStringIsDroppedNotForwarded() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.get("/v1/models?secret=1&x=/metrics"))
        let response = try client.readResponse(method: "GET")
        #expect(response.status == 200)
        #expect(proxy.upstream.requests.last?.target == "/v1/models")
    }

    @Test func requestHeadersAreBuiltFromAnAllowlist() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody, headers: [
            "X-Forwarded-For: 6.6.6.6", "X-Vllm-Priority: -100",
            "X-Session-ID: s", "traceparent: 00-abc", "Cookie: a=b", "Connection: keep-alive, X-Custom", "X-Custom: 1",
            "Proxy-Authorization: Basic x", "User-Agent: OpenAI/Python 2.0", "Accept: application/json", "X-Request-Id: client-id-42",
        ]))
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("X-Request-Id") == "client-id-42")
        let seen = try #require(proxy.upstream.requests.last)
        #expect(seen.target == "/v1/chat/completions")
        let names = Set(seen.headers.map { $0.name.lowercased() })
        #expect(names == ["host", "content-type", "accept", "user-agent", "content-length", "x-request-id", "x-forwarded-for"])
        #expect(seen.headers[first: "X-Forwarded-For"] == "127.0.0.1")
        #expect(seen.headers[first: "X-Request-Id"] == "client-id-42")
        #expect(seen.headers[first: "User-Agent"] == "OpenAI/Python 2.0")
        #expect(!seen.rawHead.contains(ProxyHarness.testKey.secret))
        #expect(!seen.rawHead.contains("HarnessTestKey"))
    }

    /// An allowlisted field the client's `Connection` names is hop-by-hop: not forwarded,
    /// whether the name is in the first `Connection` field or a later one.
    @Test func allowlistedFieldsNamedByConnectionAreNotForwarded() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        for connection in [["Connection: User-Agent"], ["Connection: keep-alive", "Connection: User-Agent"]] {
            try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody, headers: connection + [
                "User-Agent: hop/1", "Accept: application/json",
            ]))
            #expect(try client.readResponse().status == 200)
            let seen = try #require(proxy.upstream.requests.last)
            #expect(seen.headers[first: "User-Agent"] == nil, "\(connection)")
            #expect(seen.headers[first: "Accept"] == "application/json", "\(connection)")
        }
    }

    @Test func invalidClientRequestIdIsReplaced() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody, headers: ["X-Request-Id: bad id with spaces"]))
        let response = try client.readResponse()
        let id = try #require(response.header("X-Request-Id"))
        #expect(id.count == 32 && id != "bad id with spaces")
        #expect(proxy.upstream.requests.last?.headers[first: "X-Request-Id"] == id)
    }

    @Test func trustedFrontKeepsForwardedFor() throws {
        let proxy = try ProxyHarness { $0.trustedProxies = ["127.0.0.1"] }
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody, headers: ["X-Forwarded-For: 100.64.0.7"]))
        _ = try client.readResponse()
        #expect(proxy.upstream.requests.last?.headers[first: "X-Forwarded-For"] == "100.64.0.7, 127.0.0.1")
    }

    @Test func upstreamAPIKeyIsAddedWhenConfigured() throws {
        let proxy = try ProxyHarness { $0.upstreamApiKey = "upstream-secret" }
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody))
        #expect(try client.readResponse().status == 200)
        #expect(proxy.upstream.requests.last?.headers[all: "Authorization"] == ["Bearer upstream-secret"])
    }

    @Test func hopByHopResponseHeadersAreStripped() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"hop-headers"}"#))
        let response = try client.readResponse()
        #expect(response.status == 200)
        for name in ["Keep-Alive", "X-Secret", "Upgrade", "Proxy-Authenticate"] {
            #expect(response.header(name) == nil, "\(name) leaked")
        }
        #expect(response.header("Connection") == nil)
        #expect(response.header("X-Kept") == "yes")
        #expect(response.header("X-Request-Id") != "upstream-id")
        #expect(response.text == #"{"ok":true}"#)
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"hop-headers-split"}"#))
        let split = try client.readResponse()
        #expect(split.status == 200 && split.header("X-Kept") == "yes")
        #expect(split.header("X-Secret") == nil, "a field named by a second Connection field leaked")
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        let first = #"{"model":"m","max_tokens":1}"#
        let second = #"{"model":"m","max_tokens":2}"#
        try client.send(RawRequest.post("/v1/completions", json: first) + RawRequest.get("/v1/models") + RawRequest.post("/v1/completions", json: second))
        let a = try client.readResponse()
        let b = try client.readResponse(method: "GET")
        let c = try client.readResponse()
        #expect(a.text.contains(#""completion_tokens":1"#))
        #expect(b.text.contains(#""object":"list""#))
        #expect(c.text.contains(#""completion_tokens":2"#))
        #expect(proxy.upstream.requests.map(\.target) == ["/v1/completions", "/v1/models", "/v1/completions"])
    }

    @Test func largeBodyFollowedByAPipelinedRequest() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        let json = #"{"model":"m","messages":[{"role":"user","content":"\#(String(repeating: "x", count: 300_000))"}],"max_tokens":1}"#
        try client.send(RawRequest.post("/v1/chat/completions", json: json) + RawRequest.get("/v1/models"))
        #expect(try client.readResponse().status == 200)
        #expect(try client.readResponse(method: "GET").text.contains(#""object":"list""#))
        #expect(proxy.upstream.requests.first?.body == Array(json.utf8))
        // The connection stays in step for more requests.
        try client.send(RawRequest.get("/healthz"))
        #expect(try client.readResponse(method: "GET").status == 200)
    }

    @Test func keepAliveServesManyRequestsOnOneConnectionAndReusesUpstream() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        for i in 1...20 {
            try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"m","max_tokens":\#(i)}"#))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text.contains(#""completion_tokens":\#(i)"#))
        }
        #expect(proxy.upstream.connectionCount == 1)
    }

    @Test func clientDisconnectMidStreamAbortsUpstreamQuickly() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"slow","max_tokens":500,"stream":true}"#))
        var events = 0
        _ = try? client.readResponse(timeout: 0.3) { _ in events += 1 }
        #expect(events >= 3)
        let closedAt = Deadline.now()
        client.close()
        #expect(proxy.upstream.waitUntil(seconds: 2) { proxy.upstream.abortCount == 1 })
        let abortedAt = try #require(proxy.upstream.lastAbort)
        let delayMs = Double(abortedAt.nanoseconds - closedAt.nanoseconds) / 1e6
        #expect(delayMs < 100, "abort took \(delayMs) ms")
    }

    @Test func clientDisconnectBeforeFirstByteAbortsUpstream() throws {
        for model in ["silent-stream", "hang"] {
            let proxy = try ProxyHarness()
            let client = try proxy.client()
            try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"\#(model)","stream":true}"#))
            #expect(proxy.upstream.waitUntil { proxy.upstream.requestCount == 1 })
            usleep(50_000)
            let closedAt = Deadline.now()
            client.close()
            #expect(proxy.upstream.waitUntil(seconds: 2) { proxy.upstream.abortCount == 1 }, "\(model)")
            if let abortedAt = proxy.upstream.lastAbort {
                let delayMs = Double(abortedAt.nanoseconds - closedAt.nanoseconds) / 1e6
                #expect(delayMs < 100, "\(model): abort took \(delayMs) ms")
            }
        }
    }

    @Test func upstreamDyingMidStreamCutsTheClientResponse() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"midclose","max_tokens":10,"stream":true}"#))
        #expect(throws: TestHTTPClient.Failure.self) { try client.readResponse() }
        let raw = String(decoding: client.rawReceived, as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 200 OK"))
        #expect(raw.contains("tok1"))
        #expect(!raw.hasSuffix("0\r\n\r\n"))
    }

    @Test func upstreamErrorStatusPassesThrough() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"error-500"}"#))
        let response = try client.readResponse()
        #expect(response.status == 500)
        #expect(response.text.contains("InternalServerError"))
    }

    @Test func upstreamDownIs502InOpenAIShape() throws {
        let closed = try Socket.listen(on: HostPort(host: "127.0.0.1", port: 0))
        let deadPort = closed.localPort()
        closed.close()
        let proxy = try ProxyHarness(upstreamURL: "http://127.0.0.1:\(deadPort)")
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody))
        let response = try client.readResponse()
        #expect(response.status == 502)
        let error = try JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body))
        #expect(error.error.type == "server_error")
        #expect(error.error.code == "upstream_unavailable")
        // The connection stays usable.
        try client.send(RawRequest.get("/healthz"))
        #expect(try client.readResponse(method: "GET").status == 200)
    }

    @Test func upstreamSilenceIs504() throws {
        let proxy = try ProxyHarness { $0.upstreamIdleTimeout = 0.3 }
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"hang"}"#))
        let response = try client.readResponse()
        #expect(response.status == 504)
        #expect(response.text.contains("upstream_timeout"))
    }

    @Test func staleReusedUpstreamConnectionIsRetriedOnce() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"drop-reused"}"#))
        #expect(try client.readResponse().status == 200)
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"drop-reused"}"#))
        #expect(try client.readResponse().status == 200)
        #expect(proxy.upstream.connectionCount == 2)
        // The first request, the one dropped on the reused connection, and its one retry.
        #expect(proxy.upstream.requestCount == 3)
    }

    /// The retry is for a reused connection only, and only once: a drop on a fresh
    /// connection, or on the retry itself, is a 502.
    @Test func retryIsOnceAndOnlyForAReusedConnection() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"drop-always"}"#))
        #expect(try client.readResponse().status == 502)
        #expect(proxy.upstream.requestCount == 1, "a request dropped on a fresh connection was retried")
        // Pool a connection, then have it (and the retry's fresh one) dropped.
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.chatBody))
        #expect(try client.readResponse().status == 200)
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"drop-always"}"#))
        #expect(try client.readResponse().status == 502)
        #expect(proxy.upstream.requestCount == 4, "expected the reused attempt and exactly one retry")
    }

    /// A client that stops reading back-pressures the upstream: the proxy stops reading it
    /// once its bounded buffer and the sockets are full, instead of taking the whole stream
    /// into memory. The upstream's writes stall well short of the 256 MiB it would send.
    @Test func nonReadingClientBackPressuresTheUpstream() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"firehose","stream":true}"#))
        usleep(1_500_000)
        let first = proxy.upstream.firehoseBytesWritten
        usleep(500_000)
        let second = proxy.upstream.firehoseBytesWritten
        #expect(first > 0)
        // Sockets' buffers may still be growing a little; an unbounded relay takes megabytes.
        #expect(second - first < 1024 * 1024, "the upstream kept writing (\(first) then \(second) bytes) to a client that reads nothing")
        #expect(second < 64 * 1024 * 1024, "\(second) bytes taken from the upstream")
        client.close()
    }

    @Test func malformedRequestIs400AndClosed() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.header("Connection") == "close")
        #expect(client.isClosedByServer())
        #expect(proxy.upstream.requestCount == 0)
        let record = try #require(proxy.journal().last)
        #expect(record.status == 400 && record.reason == "malformed_request" && record.user == nil)
        #expect(record.requestID == response.header("X-Request-Id"))
    }

    @Test func oversizeBodyWithExpectContinueGets413WithoutContinue() throws {
        let proxy = try ProxyHarness { $0.maxBodyBytes = 1000 }
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\nExpect: 100-continue\r\n\r\n")
        let raw = String(decoding: client.readUntilClose(timeout: 7), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 413 "))
        #expect(!raw.contains("100 Continue"))
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func expectContinueGets100ThenTheAnswer() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        let body = Self.chatBody
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\(RawRequest.authorization)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
        var buffer = [UInt8](repeating: 0, count: 100)
        let n = try buffer.withUnsafeMutableBytes { raw -> Int in
            guard case .bytes(let n) = try client.socket.read(into: raw, deadline: .after(seconds: 2)) else { return 0 }
            return n
        }
        #expect(String(decoding: buffer[0..<n], as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        try client.send(body)
        #expect(try client.readResponse().status == 200)
        #expect(proxy.upstream.requests.last?.body == Array(body.utf8))
    }

    /// A request refused before its body is needed (unknown path, missing key) gets its final
    /// answer instead of `100 Continue`, and the body is never asked for.
    @Test func expectContinueOnARefusedRequestGetsTheFinalStatus() throws {
        let proxy = try ProxyHarness()
        for (target, key, status) in [("/v1/nope", RawRequest.authorization, 404), ("/v1/chat/completions", "X-No-Key: 1", 401)] {
            let client = try proxy.client()
            try client.send("POST \(target) HTTP/1.1\r\nHost: x\r\n\(key)\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
            let response = try client.readResponse(timeout: 5)
            #expect(response.status == status, "\(target)")
            #expect(!String(decoding: client.rawReceived, as: UTF8.self).contains("100 Continue"), "\(target)")
        }
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func slowlorisHeadIsCutAtTheHeaderDeadline() throws {
        let proxy = try ProxyHarness { $0.headerTimeout = 0.5 }
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        for _ in 0..<8 {
            try? client.send("X-Drip: 1\r\n")
            usleep(100_000)
        }
        let raw = String(decoding: client.readUntilClose(timeout: 7), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 408 "))
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func chunkedRequestBodyIsForwardedWithContentLength() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\(RawRequest.authorization)\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\n8;ext=1\r\nel\":\"m\"}\r\n0\r\nX-Trailer: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        let seen = try #require(proxy.upstream.requests.last)
        #expect(seen.body == Array(#"{"model":"m"}"#.utf8))
        #expect(seen.headers[first: "Content-Length"] == "13")
        #expect(seen.headers[first: "Transfer-Encoding"] == nil)
    }

    @Test func http10ClientGetsACloseDelimitedStream() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        let body = #"{"model":"m","max_tokens":2,"stream":true}"#
        try client.send("POST /v1/chat/completions HTTP/1.0\r\n\(RawRequest.authorization)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let raw = String(decoding: client.readUntilClose(), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 200 OK"))
        #expect(!raw.lowercased().contains("transfer-encoding"))
        #expect(raw.hasSuffix("data: [DONE]\n\n"))
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTimeout() throws {
        let proxy = try ProxyHarness { $0.keepAliveTimeout = 0.3 }
        let client = try proxy.client()
        try client.send(RawRequest.get("/healthz"))
        _ = try client.readResponse(method: "GET")
        #expect(client.isClosedByServer(timeout: 3))
    }

    @Test func connectionClosesAfterMaxRequests() throws {
        let proxy = try ProxyHarness { $0.maxRequestsPerConnection = 3 }
        let client = try proxy.client()
        for i in 1...3 {
            try client.send(RawRequest.get("/healthz"))
            let response = try client.readResponse(method: "GET")
            #expect((response.header("Connection") == "close") == (i == 3))
        }
        #expect(client.isClosedByServer())
    }
}

struct ErrorEnvelope: Decodable {
    struct Body: Decodable {
        var message: String
        var type: String
        var code: String?
    }
    var error: Body
}
