import Testing

@testable import ProxyKit

struct HTTPRequestParserTests {
    typealias Event = ParsedEvent<HTTPRequestHead>

    static let parser = HTTPRequestParser()

    static func head(
        _ method: String = "GET", _ target: String = "/", version: HTTPVersion = .http1_1,
        fields: [(String, String)] = [("Host", "a")], framing: HTTPBodyFraming = .none,
        keepAlive: Bool = true, expectsContinue: Bool = false
    ) -> Event {
        .head(
            HTTPRequestHead(
                method: method, target: target, version: version, headers: HTTPHeaders(fields), framing: framing,
                keepAlive: keepAlive, expectsContinue: expectsContinue))
    }

    static let end = Event.end(HTTPHeaders())

    static func body(_ text: String) -> Event { .body(Array(text.utf8)) }

    /// Parses `text` whole and returns the first head.
    static func firstHead(_ text: String, limits: HTTPParserLimits = .requests) throws -> HTTPRequestHead {
        var parser = HTTPRequestParser(limits: limits)
        parser.append(Array(httpText: text))
        guard case .head(let head)? = try parser.next() else {
            Issue.record("no head")
            throw HTTPParserError.unexpectedEOF
        }
        return head
    }

    func reject(
        _ text: String, _ error: HTTPParserError, status: Int = 400, limits: HTTPParserLimits = .requests,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectParserRejection(
            HTTPRequestParser(limits: limits), Array(httpText: text), error, status: status,
            sourceLocation: sourceLocation)
    }

    // MARK: - Valid requests, verified whole, byte by byte and at every split

    @Test func parsesSimpleGET() {
        verifyParser(
            Self.parser, Array(httpText: "GET /index.html?q=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
            [
                Self.head("GET", "/index.html?q=1"), Self.end,
            ])
    }

    @Test func parsesPOSTWithContentLength() {
        let text = "POST /v1/chat HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
        verifyParser(
            Self.parser, Array(httpText: text),
            [
                Self.head(
                    "POST", "/v1/chat", fields: [("Host", "a"), ("Content-Length", "11")], framing: .contentLength(11)),
                Self.body("hello world"), Self.end,
            ])
    }

    @Test func contentLengthZeroEndsImmediately() {
        verifyParser(
            Self.parser, Array(httpText: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
            [
                Self.head("POST", "/", fields: [("Host", "a"), ("Content-Length", "0")], framing: .contentLength(0)),
                Self.end,
            ])
    }

    @Test func parsesChunkedWithExtensionsAndTrailers() {
        let text =
            "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 ; q=\"a;\\\"b\"\r\n world\r\n0\r\nX-Checksum: 42\r\nX-Other:  y \r\n\r\n"
        var trailers = HTTPHeaders()
        trailers.add("X-Checksum", "42")
        trailers.add("X-Other", "y")
        verifyParser(
            Self.parser, Array(httpText: text),
            [
                Self.head("POST", "/u", fields: [("Host", "a"), ("Transfer-Encoding", "chunked")], framing: .chunked),
                Self.body("hello world"), .end(trailers),
            ])
    }

    @Test func keepsHeaderOrderDuplicatesAndTrimsOWS() {
        let text = "GET / HTTP/1.1\r\nHost:a\r\nX-A: \t 1 \t\r\nx-a: 2\r\nEmpty:\r\nX-Obs: caf\u{e9}\r\n\r\n"
        verifyParser(
            Self.parser, Array(httpText: text),
            [
                Self.head(fields: [("Host", "a"), ("X-A", "1"), ("x-a", "2"), ("Empty", ""), ("X-Obs", "caf\u{e9}")]),
                Self.end,
            ])
    }

    @Test func acceptsObsTextInHeaderValues() throws {
        var parser = HTTPRequestParser()
        parser.append(
            Array(httpText: "GET / HTTP/1.1\r\nHost: a\r\nX: a") + [0x80, 0xFF] + Array(httpText: "b\r\n\r\n"))
        guard case .head(let head)? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(head.headers.count(of: "x") == 1)
    }

    @Test func skipsUpToTwoLeadingEmptyLines() {
        verifyParser(
            Self.parser, Array(httpText: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), [Self.head(), Self.end])
    }

    @Test func acceptsAsteriskFormAndHTTP10WithoutHost() {
        verifyParser(
            Self.parser, Array(httpText: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.0\r\n\r\n"),
            [
                Self.head("OPTIONS", "*"), Self.end,
                Self.head("GET", "/", version: .http1_0, fields: [], keepAlive: false), Self.end,
            ])
    }

    @Test func acceptsExtensionMethodTokens() throws {
        let head = try Self.firstHead("M-SEARCH! /x HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(head.method == "M-SEARCH!")
    }

    // MARK: - Pipelining

    @Test func parsesTwoPipelinedRequestsWithBodies() {
        let text =
            "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
        verifyParser(
            Self.parser, Array(httpText: text),
            [
                Self.head("POST", "/1", fields: [("Host", "a"), ("Content-Length", "3")], framing: .contentLength(3)),
                Self.body("abc"), Self.end,
                Self.head("POST", "/2", fields: [("Host", "a"), ("Transfer-Encoding", "chunked")], framing: .chunked),
                Self.body("de"), Self.end,
            ])
    }

    @Test func parsesThreePipelinedRequestsInOrder() {
        let text =
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "PUT /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody"
            + "DELETE /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        verifyParser(
            Self.parser, Array(httpText: text),
            [
                Self.head("GET", "/1"), Self.end,
                Self.head("PUT", "/2", fields: [("Host", "a"), ("Content-Length", "4")], framing: .contentLength(4)),
                Self.body("body"), Self.end,
                Self.head("DELETE", "/3", fields: [("Host", "a"), ("Connection", "close")], keepAlive: false), Self.end,
            ])
    }

    @Test func keepsLeftoverBytesOfTheNextRequest() throws {
        var parser = HTTPRequestParser()
        let first = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok"
        let partial = "GET /next HTTP/1.1\r\nHo"
        parser.append(Array(httpText: first + partial))
        guard case .head? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(parser.bufferedByteCount == 2 + partial.utf8.count)
        guard case .body(let body)? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(body == Array(httpText: "ok"))
        guard case .end? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(parser.bufferedByteCount == partial.utf8.count)
        #expect(try parser.next() == nil)
        #expect(!parser.isIdle)
        parser.append(Array(httpText: "st: a\r\n\r\n"))
        guard case .head(let head)? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(head.target == "/next")
        guard case .end? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(parser.isIdle)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func bodyEventsNeverCrossTheFraming() throws {
        var parser = HTTPRequestParser()
        parser.append(Array(httpText: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab"))
        guard case .head? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        guard case .body(let first)? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(first == Array(httpText: "ab"))
        #expect(try parser.next() == nil)
        parser.append(Array(httpText: "cGET"))
        guard case .body(let second)? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(second == Array(httpText: "c"))
        guard case .end? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(parser.bufferedByteCount == 3)
    }

    @Test func startsIdleAndAcceptsRawBufferPointers() throws {
        var parser = HTTPRequestParser()
        #expect(parser.isIdle)
        let bytes = Array(httpText: "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        bytes.withUnsafeBytes { parser.append($0) }
        #expect(!parser.isIdle)
        guard case .head? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(!parser.isIdle)
        guard case .end? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(parser.isIdle)
    }

    @Test func handlesManyPipelinedRequestsWithCompaction() throws {
        var parser = HTTPRequestParser()
        let one = Array(httpText: "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
        var heads = 0
        for _ in 0..<2000 {
            parser.append(one)
            while let event = try parser.next() {
                if case .head = event { heads += 1 }
            }
        }
        #expect(heads == 2000)
        #expect(parser.isIdle)
    }

    // MARK: - Connection and Expect

    @Test(
        arguments: [
            ("HTTP/1.1", nil, true), ("HTTP/1.1", "close", false), ("HTTP/1.1", "Close", false),
            ("HTTP/1.1", "keep-alive, close", false), ("HTTP/1.1", "Upgrade", true), ("HTTP/1.1", "keep-alive", true),
            ("HTTP/1.0", nil, false), ("HTTP/1.0", "keep-alive", true), ("HTTP/1.0", "Keep-Alive", true),
            ("HTTP/1.0", "close", false), ("HTTP/1.0", "foo ,\tkeep-alive", true),
        ] as [(String, String?, Bool)])
    func keepAliveFollowsVersionAndConnection(version: String, connection: String?, expected: Bool) throws {
        let field = connection.map { "Connection: \($0)\r\n" } ?? ""
        let head = try Self.firstHead("GET / \(version)\r\nHost: a\r\n\(field)\r\n")
        #expect(head.keepAlive == expected)
    }

    @Test(arguments: [
        ("HTTP/1.1", "100-continue", true), ("HTTP/1.1", "100-Continue", true), ("HTTP/1.1", " 100-continue ", true),
        ("HTTP/1.1", "something-else", false), ("HTTP/1.0", "100-continue", false),
    ])
    func expectsContinueOnlyFor100ContinueInHTTP11(version: String, value: String, expected: Bool) throws {
        let text = "POST / \(version)\r\nHost: a\r\nExpect: \(value)\r\nContent-Length: 1\r\n\r\n"
        #expect(try Self.firstHead(text).expectsContinue == expected)
        #expect(try Self.firstHead("GET / HTTP/1.1\r\nHost: a\r\n\r\n").expectsContinue == false)
    }

    // MARK: - Body limit

    @Test func acceptsContentLengthExactlyAtTheLimit() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        verifyParser(
            HTTPRequestParser(limits: limits),
            Array(httpText: "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"),
            [
                Self.head("PUT", "/", fields: [("Host", "a"), ("Content-Length", "10")], framing: .contentLength(10)),
                Self.body("0123456789"), Self.end,
            ])
    }

    @Test func rejectsContentLengthOneOverTheLimitBeforeTheHead() {
        reject(
            "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", .bodyTooLarge, status: 413,
            limits: HTTPParserLimits(maxBodyBytes: 10))
    }

    @Test func acceptsChunkedBodyExactlyAtTheLimit() {
        let text =
            "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"
        verifyParser(
            HTTPRequestParser(limits: HTTPParserLimits(maxBodyBytes: 10)), Array(httpText: text),
            [
                Self.head("PUT", "/", fields: [("Host", "a"), ("Transfer-Encoding", "chunked")], framing: .chunked),
                Self.body("0123456789"), Self.end,
            ])
    }

    @Test func rejectsChunkedBodyOneOverTheLimit() {
        let text =
            "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n6\r\n567890\r\n0\r\n\r\n"
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxBodyBytes: 10))
        parser.append(Array(httpText: text))
        var events: [Event] = []
        _ = parser.drain(into: &events)
        #expect(events.first.map { if case .head = $0 { true } else { false } } == true)
        #expect(events.last == .error(.bodyTooLarge))
        #expect(HTTPParserError.bodyTooLarge.status == 413)
    }

    // MARK: - Request line rejections

    @Test func rejectsMalformedRequestLines() {
        reject("GET /\r\nHost: a\r\n\r\n", .invalidRequestLine)
        reject("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine)
        reject(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine)
        reject("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .invalidRequestLine)
        reject("GET / http/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine)
        reject("GET / HTTP/1\r\nHost: a\r\n\r\n", .invalidRequestLine)
        reject("GET / HTTP/1.1.1\r\nHost: a\r\n\r\n", .invalidRequestLine)
    }

    @Test func rejectsMoreThanTwoLeadingEmptyLines() {
        reject("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine)
    }

    @Test func rejectsRequestLineOverTheLimit() {
        let limits = HTTPParserLimits(maxStartLineBytes: 20)
        let atLimit = "GET /" + String(repeating: "a", count: 6) + " HTTP/1.1"  // 20 bytes
        #expect(atLimit.utf8.count == 20)
        verifyParser(
            HTTPRequestParser(limits: limits), Array(httpText: atLimit + "\r\nHost: a\r\n\r\n"),
            [
                Self.head("GET", "/aaaaaa"), Self.end,
            ])
        reject("GET /aaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n", .requestLineTooLong, status: 414, limits: limits)
    }

    @Test func rejectsLongRequestLineBeforeItsEndArrives() {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxStartLineBytes: 20))
        parser.append(Array(repeating: UInt8(ascii: "a"), count: 20))
        #expect(throws: Never.self) { try parser.next() }
        var atLimit = parser
        atLimit.append(Array(httpText: "\r"))
        #expect(throws: Never.self) { try atLimit.next() }
        parser.append([UInt8(ascii: "a")])
        #expect(throws: HTTPParserError.requestLineTooLong) { try parser.next() }
        #expect(throws: HTTPParserError.requestLineTooLong) { try parser.next() }
    }

    @Test func rejectsUnsupportedVersionsWith505() {
        for version in ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0"] {
            reject("GET / \(version)\r\nHost: a\r\n\r\n", .unsupportedVersion, status: 505)
        }
    }

    @Test func rejectsAbsoluteFormTargets() {
        reject("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", .absoluteFormTarget)
        reject("GET HTTPS://x:443/a HTTP/1.1\r\nHost: x\r\n\r\n", .absoluteFormTarget)
    }

    @Test func rejectsInvalidTargets() {
        reject("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget)
        reject("CONNECT host:443 HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget)
        reject("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget)
        reject("GET /a\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget)
        reject("GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget)
        reject("GET ** HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget)
    }

    @Test func rejectsInvalidMethods() {
        reject("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod)
        reject("GE\tT / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod)
        reject("G\u{0}T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod)
    }

    // MARK: - Line ending rejections

    @Test func rejectsBareCR() {
        reject("GET / HTTP/1.1\rHost: a\r\n\r\n", .bareCR)
        reject("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", .bareCR)
        reject("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", .bareCR)
        reject("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", .bareCR)
    }

    @Test func rejectsBareLF() {
        reject("GET / HTTP/1.1\nHost: a\r\n\r\n", .bareLF)
        reject("GET / HTTP/1.1\r\nHost: a\n\r\n", .bareLF)
        reject("GET / HTTP/1.1\r\nHost: a\r\n\n", .bareLF)
        reject("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .bareLF)
    }

    @Test func rejectsObsoleteLineFolding() {
        reject("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  2\r\n\r\n", .obsoleteLineFolding)
        reject("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", .obsoleteLineFolding)
    }

    // MARK: - Header field rejections

    @Test func rejectsInvalidHeaderNames() {
        reject("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .invalidHeaderName)
        reject("GET / HTTP/1.1\r\nHost: a\r\nX Y: 1\r\n\r\n", .invalidHeaderName)
        reject("GET / HTTP/1.1\r\nHost: a\r\nX\u{0}: 1\r\n\r\n", .invalidHeaderName)
        reject("GET / HTTP/1.1\r\nHost: a\r\nX\u{1}: 1\r\n\r\n", .invalidHeaderName)
        reject("GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n", .invalidHeaderName)
        reject("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .invalidHeaderName)
        reject("GET / HTTP/1.1\r\nHost: a\r\nX(: 1\r\n\r\n", .invalidHeaderName)
    }

    @Test func rejectsInvalidHeaderValues() {
        reject("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", .invalidHeaderValue)
        reject("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", .invalidHeaderValue)
        reject("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}\r\n\r\n", .invalidHeaderValue)
        reject("GET / HTTP/1.1\r\nHost: a\r\nX: \u{1B}[31m\r\n\r\n", .invalidHeaderValue)
    }

    @Test func rejectsHeaderLineOverTheLimit() {
        let limits = HTTPParserLimits(maxHeaderLineBytes: 10)
        verifyParser(
            HTTPRequestParser(limits: limits), Array(httpText: "GET / HTTP/1.1\r\nHost: a\r\nX: 1234567\r\n\r\n"),
            [
                Self.head(fields: [("Host", "a"), ("X", "1234567")]), Self.end,
            ])
        reject("GET / HTTP/1.1\r\nHost: a\r\nX: 12345678\r\n\r\n", .headerLineTooLong, status: 431, limits: limits)
        // Detected before the line ends.
        var parser = HTTPRequestParser(limits: limits)
        parser.append(Array(httpText: "GET / HTTP/1.1\r\nHost: a\r\nX: 12345678"))
        #expect(throws: HTTPParserError.headerLineTooLong) { try parser.next() }
    }

    @Test func rejectsHeaderBlockOverTheLimit() {
        // "Host: a\r\n" is 9 bytes, "X: 1234\r\n" is 9 bytes: 18 fits exactly, 19 does not.
        let limits = HTTPParserLimits(maxHeaderBlockBytes: 18)
        verifyParser(
            HTTPRequestParser(limits: limits), Array(httpText: "GET / HTTP/1.1\r\nHost: a\r\nX: 1234\r\n\r\n"),
            [
                Self.head(fields: [("Host", "a"), ("X", "1234")]), Self.end,
            ])
        reject("GET / HTTP/1.1\r\nHost: a\r\nX: 12345\r\n\r\n", .headerBlockTooLarge, status: 431, limits: limits)
        reject(
            "GET / HTTP/1.1\r\nHost: a\r\nX: 1234\r\nY: 1\r\n\r\n", .headerBlockTooLarge, status: 431, limits: limits)
    }

    @Test func rejectsTooManyHeaders() {
        let limits = HTTPParserLimits(maxHeaderCount: 3)
        let three = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n"
        verifyParser(
            HTTPRequestParser(limits: limits), Array(httpText: three + "\r\n"),
            [
                Self.head(fields: [("Host", "a"), ("A", "1"), ("B", "2")]), Self.end,
            ])
        reject(three + "C: 3\r\n\r\n", .tooManyHeaders, status: 431, limits: limits)
    }

    // MARK: - Message rule rejections

    @Test func rejectsHTTP11WithoutHost() {
        reject("GET / HTTP/1.1\r\nX: 1\r\n\r\n", .missingHost)
    }

    @Test func rejectsDuplicateHost() {
        reject("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", .duplicateHost)
        reject("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost)
    }

    @Test func rejectsContentLengthWithTransferEncoding() {
        reject(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            .contentLengthWithTransferEncoding)
        reject(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
            .contentLengthWithTransferEncoding)
    }

    @Test func rejectsRepeatedContentLengthEvenWhenEqual() {
        reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", .duplicateContentLength)
        reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 4\r\n\r\n", .duplicateContentLength)
        reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", .duplicateContentLength)
    }

    @Test func rejectsInvalidContentLength() {
        for value in ["abc", "", "-1", "+5", "1 2", "0x10", "3.0", "99999999999999999999999"] {
            reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\n", .invalidContentLength)
        }
    }

    @Test func acceptsContentLengthWithLeadingZeros() throws {
        #expect(
            try Self.firstHead("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n").framing == .contentLength(7)
        )
    }

    @Test func rejectsUnsupportedTransferEncoding() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\n"
        reject(head + "Transfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding)
        reject(head + "Transfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding)
        reject(head + "Transfer-Encoding: chunked, chunked\r\n\r\n", .unsupportedTransferEncoding)
        reject(head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupportedTransferEncoding)
        reject(head + "Transfer-Encoding: \r\n\r\n", .unsupportedTransferEncoding)
        reject("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupportedTransferEncoding)
    }

    @Test func acceptsChunkedInAnyCaseWithOWS() throws {
        let head = try Self.firstHead("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  ChUnKeD \t\r\n\r\n")
        #expect(head.framing == .chunked)
    }

    // MARK: - Chunked body rejections through the parser

    @Test func rejectsBadChunkedBodies() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        reject(head + "zz\r\n", .invalidChunkSize)
        reject(head + "FFFFFFFFFFFFFFFFF\r\n", .chunkSizeOverflow)
        reject(head + "3\r\nabcXY", .invalidChunkTerminator)
        reject(
            head + "1;" + String(repeating: "x", count: 40) + "\r\n", .chunkLineTooLong,
            limits: HTTPParserLimits(maxChunkLineBytes: 32))
        reject(head + "0\r\nX: 1\r\n  fold\r\n\r\n", .obsoleteLineFolding)
        reject(head + "3\nabc\r\n", .bareLF)
    }

    @Test func errorsAreStickyAndHaveMessages() {
        var parser = HTTPRequestParser()
        parser.append(Array(httpText: "GET / HTTP/1.1\r\nX: 1\r\n\r\n"))
        #expect(throws: HTTPParserError.missingHost) { try parser.next() }
        parser.append(Array(httpText: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(throws: HTTPParserError.missingHost) { try parser.next() }
        #expect(!parser.isIdle)
        #expect(
            HTTPParserError.contentLengthWithTransferEncoding.message
                == "Request has both Content-Length and Transfer-Encoding.")
    }

    // MARK: - Fuzz

    static let corpus: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nHost: api\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\"\r\nhello\r\n0\r\nT: 1\r\n\r\n",
        "\r\nGET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            + "GET /b HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
    ]

    @Test func fuzzedInputNeverTraps() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        let limits = HTTPParserLimits(
            maxStartLineBytes: 64, maxHeaderLineBytes: 64, maxHeaderBlockBytes: 256, maxHeaderCount: 8,
            maxBodyBytes: 64, maxChunkLineBytes: 32)
        for iteration in 0..<3000 {
            let bytes: [UInt8]
            if iteration % 4 == 0 {
                bytes = (0..<Int.random(in: 0...96, using: &rng)).map { _ in
                    Bool.random(using: &rng)
                        ? fuzzAlphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                bytes = mutateBytes(Array(httpText: Self.corpus.randomElement(using: &rng)!), using: &rng)
            }
            let parser = iteration % 2 == 0 ? HTTPRequestParser() : HTTPRequestParser(limits: limits)
            fuzzParserOnce(parser, bytes, cuts: randomCuts(bytes.count, using: &rng))
        }
    }

    @Test func splitPointsNeverChangeTheOutcome() {
        var rng = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<300 {
            let bytes = mutateBytes(Array(httpText: Self.corpus.randomElement(using: &rng)!), using: &rng)
            let whole = parseEvents(Self.parser, bytes)
            let split = parseEvents(Self.parser, bytes, cuts: randomCuts(bytes.count, using: &rng))
            #expect(whole == split, "\(bytes)")
        }
    }
}

/// The token-byte bit table against RFC 9110's `tchar` list, for all 256 bytes.
struct TokenByteTests {
    @Test func everyByteIsClassifiedAsRFC9110Says() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8))
        for byte in UInt8.min...UInt8.max {
            #expect(HTTPHeadScanner.isTokenByte(byte) == tchar.contains(byte), "byte \(byte)")
        }
    }
}

/// The word-at-a-time field-value check against the byte rule it replaces: every byte value at
/// every position of values 0–19 bytes long, over fillers that sit next to the forbidden
/// ranges (0x20, 0x7E, 0x80, 0xFF, tab), and at every alignment of the value in its buffer.
struct StrictFieldValueTests {
    static func reference(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { !(($0 < 0x20 && $0 != 0x09) || $0 == 0x7F) }
    }

    @Test func agreesWithTheByteRule() {
        var checked = 0
        for filler: UInt8 in [0x20, 0x7E, 0x80, 0xFF, 0x09, 0x41] {
            for length in 0..<20 {
                for position in 0..<max(length, 1) {
                    for byte in 0...255 {
                        var value = [UInt8](repeating: filler, count: length)
                        if length > 0 { value[position] = UInt8(byte) }
                        let offset = (position + byte) % 8
                        let buffer = [UInt8](repeating: 0x00, count: offset) + value + [0x00, 0x00]
                        let fast = buffer.withUnsafeBufferPointer { HTTPHeadScanner.isStrictFieldValue($0, offset, offset + length) }
                        if fast != Self.reference(value) {
                            Issue.record("filler \(filler) length \(length) byte \(byte) at \(position): \(fast)")
                            return
                        }
                        checked += 1
                        if length == 0 { break }
                    }
                }
            }
        }
        #expect(checked > 100_000)
    }

    @Test func realValuesPass() {
        for text in ["Bearer sk-ds4-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd", "application/json; charset=utf-8", "a\tb c", ""] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { HTTPHeadScanner.isStrictFieldValue($0, 0, bytes.count) })
        }
    }
}
