import Testing

@testable import ProxyKit

struct HTTPResponseParserTests {
    typealias Event = ParsedEvent<HTTPResponseHead>

    static let parser = HTTPResponseParser()

    static func parser(expecting method: String) -> HTTPResponseParser {
        var parser = HTTPResponseParser()
        parser.expectResponse(toMethod: method)
        return parser
    }

    static func head(
        _ status: Int = 200, _ reason: String = "OK", version: HTTPVersion = .http1_1,
        fields: [(String, String)] = [], framing: HTTPBodyFraming, keepAlive: Bool = true
    ) -> Event {
        .head(
            HTTPResponseHead(
                version: version, status: status, reason: reason, headers: HTTPHeaders(fields), framing: framing,
                keepAlive: keepAlive))
    }

    static let end = Event.end(HTTPHeaders())

    static func body(_ text: String) -> Event { .body(Array(text.utf8)) }

    static func firstHead(_ text: String) throws -> HTTPResponseHead {
        var parser = HTTPResponseParser()
        parser.append(Array(httpText: text))
        guard case .head(let head)? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        return head
    }

    func reject(
        _ text: String, _ error: HTTPParserError, eof: Bool = false, limits: HTTPParserLimits = .responses,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectParserRejection(
            HTTPResponseParser(limits: limits), Array(httpText: text), error, status: error.status, eof: eof,
            sourceLocation: sourceLocation)
    }

    // MARK: - Framing

    @Test func parsesContentLengthBody() {
        verifyParser(
            Self.parser, Array(httpText: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), eof: true,
            [
                Self.head(fields: [("Content-Length", "5")], framing: .contentLength(5)), Self.body("hello"), Self.end,
            ])
    }

    @Test func parsesSSEStreamWithManyChunks() {
        var text = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        var expectedBody = ""
        for index in 0..<40 {
            let event = "data: {\"id\":\(index),\"delta\":\"tok\(index)\"}\n\n"
            text += String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n"
            expectedBody += event
        }
        let usage = "data: {\"usage\":{\"prompt_tokens\":3}}\n\ndata: [DONE]\n\n"
        text += String(usage.utf8.count, radix: 16, uppercase: true) + "\r\n" + usage + "\r\n0\r\n\r\n"
        expectedBody += usage
        verifyParser(
            Self.parser, Array(httpText: text), eof: true,
            [
                Self.head(
                    fields: [("Content-Type", "text/event-stream"), ("Transfer-Encoding", "chunked")], framing: .chunked
                ),
                Self.body(expectedBody), Self.end,
            ])
    }

    @Test func streamsEachChunkAsItArrives() throws {
        var parser = HTTPResponseParser()
        parser.append(Array(httpText: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
        guard case .head? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        for index in 0..<5 {
            parser.append(Array(httpText: "8\r\nevent \(index)\n\r\n"))
            guard case .body(let bytes)? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
            #expect(bytes == Array(httpText: "event \(index)\n"))
            #expect(try parser.next() == nil)
        }
        parser.append(Array(httpText: "0\r\n\r\n"))
        guard case .end? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(parser.isIdle)
    }

    @Test func readsUntilCloseAndEndsOnFinish() throws {
        verifyParser(
            Self.parser, Array(httpText: "HTTP/1.1 200 OK\r\nX: 1\r\n\r\nsome body"), eof: true,
            [
                Self.head(fields: [("X", "1")], framing: .untilClose, keepAlive: false), Self.body("some body"),
                Self.end,
            ])
        var parser = HTTPResponseParser()
        parser.append(Array(httpText: "HTTP/1.0 200 OK\r\n\r\nab"))
        guard case .head? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        guard case .body? = try parser.next() else { throw HTTPParserError.unexpectedEOF }
        #expect(try parser.next() == nil)
        guard case .end? = try parser.finish() else { throw HTTPParserError.unexpectedEOF }
        #expect(try parser.finish() == nil)
    }

    @Test func finishReturnsBufferedBodyBeforeTheEnd() throws {
        var parser = HTTPResponseParser()
        parser.append(Array(httpText: "HTTP/1.1 200 OK\r\n\r\nab"))
        guard case .head? = try parser.finish() else { throw HTTPParserError.unexpectedEOF }
        guard case .body(let bytes)? = try parser.finish() else { throw HTTPParserError.unexpectedEOF }
        #expect(bytes == Array(httpText: "ab"))
        guard case .end? = try parser.finish() else { throw HTTPParserError.unexpectedEOF }
        #expect(try parser.finish() == nil)
    }

    @Test(arguments: [204, 304])
    func noBodyFor204And304(status: Int) {
        let reason = status == 204 ? "No Content" : "Not Modified"
        let text =
            "HTTP/1.1 \(status) \(reason)\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!"
        verifyParser(
            Self.parser, Array(httpText: text), eof: true,
            [
                Self.head(status, reason, fields: [("Content-Length", "10")], framing: .none), Self.end,
                Self.head(fields: [("Content-Length", "1")], framing: .contentLength(1)), Self.body("!"), Self.end,
            ])
    }

    @Test func noBodyForHEADThenNormalFramingForTheNextResponse() throws {
        var parser = Self.parser(expecting: "HEAD")
        parser.append(Array(httpText: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"))
        var events: [Event] = []
        let drained = parser.drain(into: &events)
        #expect(drained)
        #expect(
            events == [
                Self.head(fields: [("Content-Length", "100"), ("Transfer-Encoding", "chunked")], framing: .none),
                Self.end,
            ])
        parser.append(Array(httpText: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"))
        events = []
        let drainedAgain = parser.drain(into: &events)
        #expect(drainedAgain)
        #expect(
            events == [
                Self.head(fields: [("Content-Length", "2")], framing: .contentLength(2)), Self.body("hi"), Self.end,
            ])
    }

    @Test func headResponseIsVerifiedAtEverySplit() {
        verifyParser(
            Self.parser(expecting: "HEAD"), Array(httpText: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), eof: true,
            [
                Self.head(fields: [("Content-Length", "9")], framing: .none), Self.end,
            ])
    }

    @Test func interim100ContinueThenFinalResponse() {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        verifyParser(
            Self.parser, Array(httpText: text), eof: true,
            [
                Self.head(100, "Continue", framing: .none), Self.end,
                Self.head(fields: [("Content-Length", "2")], framing: .contentLength(2)), Self.body("ok"), Self.end,
            ])
    }

    @Test func interimResponseKeepsTheHEADExpectation() {
        let text = "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
        verifyParser(
            Self.parser(expecting: "HEAD"), Array(httpText: text), eof: true,
            [
                Self.head(103, "Early Hints", fields: [("Link", "</a>")], framing: .none), Self.end,
                Self.head(fields: [("Content-Length", "2")], framing: .none), Self.end,
            ])
    }

    @Test func parsesChunkedTrailers() {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Usage: 7\r\n\r\n"
        verifyParser(
            Self.parser, Array(httpText: text), eof: true,
            [
                Self.head(fields: [("Transfer-Encoding", "chunked")], framing: .chunked), Self.body("abc"),
                .end(HTTPHeaders([("X-Usage", "7")])),
            ])
    }

    @Test func acceptsEmptyReasonWithOrWithoutTheSpace() {
        verifyParser(
            Self.parser,
            Array(httpText: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\nHTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"),
            [
                Self.head(200, "", fields: [("Content-Length", "0")], framing: .contentLength(0)), Self.end,
                Self.head(404, "", fields: [("Content-Length", "0")], framing: .contentLength(0)), Self.end,
            ])
    }

    @Test func toleratesIdenticalDuplicateContentLength() throws {
        #expect(
            try Self.firstHead("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n").framing
                == .contentLength(3))
        #expect(try Self.firstHead("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n").framing == .contentLength(3))
    }

    @Test func acceptsLenientHeaderValues() throws {
        let head = try Self.firstHead("HTTP/1.1 200 OK\r\nX-Odd: a\u{1}b\u{7F}\r\nContent-Length: 0\r\n\r\n")
        #expect(head.headers[first: "x-odd"] == "a\u{1}b\u{7F}")
    }

    // MARK: - Keep-alive

    @Test(arguments: [
        ("HTTP/1.1", "", true), ("HTTP/1.1", "Connection: close\r\n", false), ("HTTP/1.0", "", false),
        ("HTTP/1.0", "Connection: keep-alive\r\n", true), ("HTTP/1.1", "Connection: Keep-Alive\r\n", true),
    ])
    func keepAliveFollowsVersionAndConnection(version: String, field: String, expected: Bool) throws {
        let head = try Self.firstHead("\(version) 200 OK\r\n\(field)Content-Length: 0\r\n\r\n")
        #expect(head.keepAlive == expected)
    }

    @Test func untilCloseIsNeverKeepAlive() throws {
        #expect(try Self.firstHead("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n").keepAlive == false)
    }

    // MARK: - EOF

    @Test func truncatedContentLengthBodyThrowsOnFinish() {
        reject("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", .unexpectedEOF, eof: true)
    }

    @Test func truncatedChunkedBodyThrowsOnFinish() {
        reject("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", .unexpectedEOF, eof: true)
        reject("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", .unexpectedEOF, eof: true)
    }

    @Test func truncatedHeadThrowsOnFinish() {
        reject("HTTP/1.1 200 OK\r\nContent-Le", .unexpectedEOF, eof: true)
        reject("HTTP/1.1 2", .unexpectedEOF, eof: true)
    }

    @Test func cleanCloseBetweenResponsesIsNotAnError() throws {
        var parser = HTTPResponseParser()
        #expect(try parser.finish() == nil)
        parser.append(Array(httpText: "HTTP/1.1 204 No Content\r\n\r\n"))
        var events: [Event] = []
        let drained = parser.drain(into: &events)
        #expect(drained)
        #expect(events.count == 2)
        #expect(try parser.finish() == nil)
    }

    // MARK: - Rejections

    @Test func rejectsMalformedStatusLines() {
        for line in [
            "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 200OK", "HTTP/1.1 099 Low", "http/1.1 200 OK",
            "HTTP/1.1  200 OK", "HTTP/1.1 2x0 OK", "HTTP/1.1 200 O\u{1}K", "HTTP/1.1", "ICY 200 OK",
        ] {
            reject(line + "\r\nContent-Length: 0\r\n\r\n", .invalidStatusLine)
        }
        reject("\r\n\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", .invalidStatusLine)
    }

    @Test func rejectsUnsupportedVersions() {
        reject("HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion)
        reject("HTTP/1.2 200 OK\r\n\r\n", .unsupportedVersion)
    }

    @Test func rejectsStatusLineOverTheLimit() {
        reject(
            "HTTP/1.1 200 " + String(repeating: "x", count: 20) + "\r\n\r\n", .statusLineTooLong,
            limits: HTTPParserLimits(maxStartLineBytes: 32))
    }

    @Test func rejectsBareLineEndingsAndNUL() {
        reject("HTTP/1.1 200 OK\rX: 1\r\n\r\n", .bareCR)
        reject("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", .bareCR)
        reject("HTTP/1.1 200 OK\nX: 1\r\n\r\n", .bareLF)
        reject("HTTP/1.1 200 OK\r\nX: a\u{0}b\r\n\r\n", .invalidHeaderValue)
        reject("HTTP/1.1 200 OK\r\nX Y: 1\r\n\r\n", .invalidHeaderName)
        reject("HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", .obsoleteLineFolding)
    }

    @Test func rejectsBadFraming() {
        reject(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            .contentLengthWithTransferEncoding)
        reject("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", .duplicateContentLength)
        reject("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n", .duplicateContentLength)
        reject("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", .invalidContentLength)
        reject("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding)
        reject("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .unsupportedTransferEncoding)
        reject("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", .invalidChunkSize)
        reject(
            "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", .bodyTooLarge,
            limits: HTTPParserLimits(maxBodyBytes: 10))
    }

    @Test func rejectsHeaderLimits() {
        reject(
            "HTTP/1.1 200 OK\r\nX: " + String(repeating: "v", count: 40) + "\r\n\r\n", .headerLineTooLong,
            limits: HTTPParserLimits(maxHeaderLineBytes: 32))
        reject(
            "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", .headerBlockTooLarge,
            limits: HTTPParserLimits(maxHeaderBlockBytes: 16))
        reject("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", .tooManyHeaders, limits: HTTPParserLimits(maxHeaderCount: 1))
    }

    // MARK: - Fuzz

    static let corpus: [String] = [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil close",
        "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n",
    ]

    @Test func fuzzedInputNeverTraps() {
        var rng = SplitMix64(seed: 0x5EED_0003)
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
            let parser = Self.parser(expecting: iteration % 5 == 0 ? "HEAD" : "GET")
            fuzzParserOnce(parser, bytes, cuts: randomCuts(bytes.count, using: &rng))
            let whole = parseEvents(parser, bytes, eof: true)
            let split = parseEvents(parser, bytes, cuts: randomCuts(bytes.count, using: &rng), eof: true)
            #expect(whole == split, "\(bytes)")
        }
    }
}
