import Testing
@testable import ProxyKit

struct RouteTableTests {
    @Test func allowedRoutesMatchExactly() {
        #expect(RouteTable.match(method: "POST", target: "/v1/chat/completions") == .route(.chatCompletions))
        #expect(RouteTable.match(method: "POST", target: "/v1/completions") == .route(.completions))
        #expect(RouteTable.match(method: "POST", target: "/v1/embeddings") == .route(.embeddings))
        #expect(RouteTable.match(method: "GET", target: "/v1/models") == .route(.models))
        #expect(RouteTable.match(method: "GET", target: "/healthz") == .route(.health))
    }

    @Test func queryIsIgnoredForMatching() {
        #expect(RouteTable.match(method: "GET", target: "/v1/models?x=../metrics") == .route(.models))
        #expect(RouteTable.path(of: "/v1/models?x=1") == "/v1/models")
    }

    @Test func nearMissesAreNotFound() {
        for target in ["", "*", "/", "/v1/models/", "/v1/model", "/V1/models", "/v1/modelsX", "v1/models", "/v1/models#x", "/v1/mödels",
                       "/v1/chat/completions ", "/healthz/", "/v1/embeddings\u{0}"] {
            #expect(RouteTable.match(method: "GET", target: target) == .notFound, "\(target)")
            #expect(RouteTable.match(method: "POST", target: target) == .notFound, "\(target)")
        }
        #expect(RouteTable.match(method: "POST", target: "/v1/completions?") == .route(.completions))
        #expect(RouteTable.match(method: "GET", target: "/healthz?a?b") == .route(.health))
    }

    @Test func wrongMethodIsMethodNotAllowed() {
        #expect(RouteTable.match(method: "GET", target: "/v1/chat/completions") == .methodNotAllowed(allowed: "POST"))
        #expect(RouteTable.match(method: "DELETE", target: "/v1/models") == .methodNotAllowed(allowed: "GET"))
        #expect(RouteTable.match(method: "post", target: "/v1/completions") == .methodNotAllowed(allowed: "POST"))
    }

    @Test(arguments: ReverseProxyTests.blockedPaths)
    func trickPathsAreNotFound(path: String) {
        #expect(RouteTable.match(method: "POST", target: path) == .notFound)
        #expect(RouteTable.match(method: "GET", target: path) == .notFound)
    }

    @Test func upstreamPathIsTheRoutesOwn() {
        for route in Route.allCases { #expect(route.path == route.rawValue) }
        let request = UpstreamRequest(route: .models, clientHeaders: HTTPHeaders([("Host", "evil")]), body: [], requestID: "r",
                                      peer: "10.0.0.1", trustedPeer: false, upstream: try! UpstreamURL(parsing: "http://127.0.0.1:8000"), apiKey: nil)
        let text = String(decoding: request.bytes, as: UTF8.self)
        #expect(text.hasPrefix("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"))
        #expect(!text.contains("Content-Length"))
        #expect(!text.contains("evil"))
    }

    @Test func upstreamRequestCopiesTheFirstOfEachAllowlistedField() {
        let upstream = try! UpstreamURL(parsing: "http://127.0.0.1:8000")
        let headers = HTTPHeaders([("accept", "text/event-stream"), ("Cookie", "c"), ("CONTENT-TYPE", "application/json; charset=utf-8"),
                                   ("Accept", "second"), ("User-Agent", "ua/1"), ("Authorization", "Bearer client")])
        let text = String(decoding: UpstreamRequest(route: .chatCompletions, clientHeaders: headers, body: Array("{}".utf8), requestID: "r",
                                                    peer: "10.0.0.1", trustedPeer: false, upstream: upstream, apiKey: nil).bytes, as: UTF8.self)
        #expect(text == "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nCONTENT-TYPE: application/json; charset=utf-8\r\n"
            + "accept: text/event-stream\r\nUser-Agent: ua/1\r\nContent-Length: 2\r\nX-Request-Id: r\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n{}")
        // Without a client Content-Type the proxy says the body is JSON.
        let bare = String(decoding: UpstreamRequest(route: .chatCompletions, clientHeaders: HTTPHeaders([("Accept", "*/*")]), body: Array("{}".utf8),
                                                    requestID: "r", peer: "10.0.0.1", trustedPeer: false, upstream: upstream, apiKey: nil).bytes, as: UTF8.self)
        #expect(bare.contains("\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"))
    }
}

struct RequestIDTests {
    @Test func generatedIdsAreHexAndDistinct() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = RequestID.generate()
            #expect(id.count == 32)
            #expect(id.allSatisfy { $0.isHexDigit })
            seen.insert(id)
        }
        #expect(seen.count == 1000)
    }

    @Test func clientIdsAreKeptOnlyWhenPlain() {
        #expect(RequestID.isAcceptable("abc-123_x.y:z"))
        #expect(!RequestID.isAcceptable(""))
        #expect(!RequestID.isAcceptable("a b"))
        #expect(!RequestID.isAcceptable("a\"b"))
        #expect(!RequestID.isAcceptable(String(repeating: "a", count: 129)))
        #expect(RequestID.make(from: HTTPHeaders([("x-request-id", "ok-1")])) == "ok-1")
        #expect(RequestID.make(from: HTTPHeaders([("X-Request-Id", "no way")])) != "no way")
    }
}

struct HopByHopHeadersTests {
    @Test func responseHeadersDropHopByHopAndConnectionNamedFields() {
        let upstream = HTTPHeaders([
            ("Connection", "keep-alive, X-Private"), ("X-Private", "1"), ("Keep-Alive", "timeout=5"), ("Transfer-Encoding", "chunked"),
            ("TE", "trailers"), ("Trailer", "x"), ("Upgrade", "h2c"), ("Proxy-Foo", "1"), ("Content-Length", "5"),
            ("X-Request-Id", "theirs"), ("content-type", "text/event-stream; charset=utf-8"), ("vary", "Origin"), ("server", "uvicorn"),
        ])
        let kept = HopByHopHeaders.responseHeaders(from: upstream)
        #expect(kept.map(\.name) == ["content-type", "vary", "server"])
    }

    @Test func connectionCloseOrKeepAliveAloneNamesNoField() {
        for value in ["close", "Keep-Alive", "KEEP-ALIVE", "keep-alive"] {
            let kept = HopByHopHeaders.responseHeaders(from: HTTPHeaders([("Connection", value), ("Close", "1"), ("Keep-Alive-X", "2")]))
            #expect(kept.map(\.name) == ["Close", "Keep-Alive-X"], "\(value)")
        }
        let kept = HopByHopHeaders.responseHeaders(from: HTTPHeaders([("Connection", "close, X-Private"), ("X-Private", "1"), ("Vary", "a")]))
        #expect(kept.map(\.name) == ["Vary"])
    }
}

struct OpenAIErrorTests {
    @Test func bodyIsOpenAIShapedAndEscaped() {
        let error = OpenAIError.notFound(method: "GET", path: "/a\"b\\c")
        #expect(String(decoding: error.body, as: UTF8.self)
            == #"{"error":{"message":"Invalid URL (GET /a\"b\\c)","type":"invalid_request_error","param":null,"code":"not_found"}}"#)
        #expect(OpenAIError.upstreamUnavailable("x").status == 502)
        #expect(OpenAIError.upstreamTimeout("x").status == 504)
    }

    @Test func upstreamErrorsMapToStatuses() {
        #expect(UpstreamError.connectFailed("refused").clientError.status == 502)
        #expect(UpstreamError.closedBeforeResponse.clientError.status == 502)
        #expect(UpstreamError.connectTimedOut.clientError.status == 504)
        #expect(UpstreamError.responseTimedOut.clientError.status == 504)
    }
}

struct UTCTimestampTests {
    @Test func formatsSecondsAsISO8601() {
        #expect(UTCTimestamp.format(secondsSinceEpoch: 0) == "1970-01-01T00:00:00Z")
        #expect(UTCTimestamp.format(secondsSinceEpoch: 1_780_021_321) == "2026-05-29T02:22:01Z")
    }
}

struct LoggerTests {
    @Test func valuesAreQuotedOnlyWhenNeeded() {
        #expect(Logger.quoted("plain") == "plain")
        #expect(Logger.quoted("two words") == "\"two words\"")
        #expect(Logger.quoted("a=b") == "\"a=b\"")
        #expect(Logger.quoted("line\nbreak \"q\"") == #""line\nbreak \"q\"""#)
        #expect(Logger.quoted("") == "\"\"")
    }
}
