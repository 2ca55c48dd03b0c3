/// An incremental, strict HTTP/1.x request parser (RFC 9112) for a server connection.
///
/// Feed it bytes with `append`, then call `next()` until it returns nil ("need more bytes").
/// Each request yields `.head`, zero or more `.body` (decoded, chunk framing removed) and
/// `.end`; pipelined requests follow in order and their bytes stay buffered until asked for.
/// A request without a body (no framing, or `Content-Length: 0`) yields `.head` then `.end`.
///
/// Any rule breach throws an `HTTPParserError`; the parser then stays failed and every later
/// `next()` throws the same error. The server should answer `error.status` with
/// `Connection: close`. A `Content-Length` over `limits.maxBodyBytes` throws `.bodyTooLarge`
/// when the head completes, before any body byte is read.
///
/// Pure value type: no I/O, no Foundation; the connection task owns it.
public struct HTTPRequestParser: Sendable {
    private enum Phase: Sendable, Hashable {
        case requestLine
        case headers
        case body
    }

    /// Empty lines tolerated before a request line (RFC 9112 §2.2 allows "at least one").
    private static let maxLeadingEmptyLines = 2

    /// The limits this parser enforces.
    public let limits: HTTPParserLimits

    private var input = HTTPInputBuffer()
    private var phase: Phase = .requestLine
    private var failure: HTTPParserError?
    private var lineResume = 0
    private var emptyLinesSkipped = 0
    private var method = ""
    private var target = ""
    private var version = HTTPVersion.http1_1
    private var fields = HTTPFieldBlock()
    private var body = HTTPBodyReader(framing: .none, limits: .requests, lenientTrailerValues: false)

    /// - Parameter limits: size limits; defaults to `HTTPParserLimits.requests`.
    public init(limits: HTTPParserLimits = .requests) {
        self.limits = limits
    }

    /// Bytes received and not yet consumed by `next()`.
    public var bufferedByteCount: Int { input.readableCount }

    /// Whether the parser is between requests with nothing buffered (a clean place to close).
    public var isIdle: Bool {
        failure == nil && phase == .requestLine && input.readableCount == 0
    }

    /// Adds received bytes. Copies them; the pointer need not outlive the call.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        input.append(bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        input.append(bytes)
    }

    /// The next parse event, or nil when more bytes are needed.
    public mutating func next() throws(HTTPParserError) -> HTTPParserEvent<HTTPRequestHead>? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(HTTPParserError) -> HTTPParserEvent<HTTPRequestHead>? {
        while true {
            switch phase {
            case .requestLine:
                let start = input.readIndex
                guard
                    let lineEnd = try HTTPHeadScanner.findLineEnd(
                        input.bytes, from: start, resume: &lineResume, limit: limits.maxStartLineBytes,
                        tooLong: .requestLineTooLong)
                else { return nil }
                input.consume(lineEnd + 2 - start)
                if lineEnd == start {
                    emptyLinesSkipped += 1
                    guard emptyLinesSkipped <= Self.maxLeadingEmptyLines else { throw .invalidRequestLine }
                    continue
                }
                try parseRequestLine(from: start, to: lineEnd)
                emptyLinesSkipped = 0
                fields = HTTPFieldBlock()
                phase = .headers
            case .headers:
                let start = input.readIndex
                let (limit, tooLong) = fields.lineLimit(limits)
                guard
                    let lineEnd = try HTTPHeadScanner.findLineEnd(
                        input.bytes, from: start, resume: &lineResume, limit: limit, tooLong: tooLong)
                else { return nil }
                input.consume(lineEnd + 2 - start)
                if lineEnd == start { return .head(try completeHead()) }
                try fields.append(input.bytes, from: start, to: lineEnd, limits: limits, lenientValues: false)
            case .body:
                switch try body.next(&input) {
                case .body(let bytes):
                    return .body(bytes)
                case .end(let trailers):
                    phase = .requestLine
                    return .end(trailers: trailers)
                case .needMore:
                    return nil
                }
            }
        }
    }

    /// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3), with the
    /// target in origin-form or asterisk-form.
    private mutating func parseRequestLine(from start: Int, to end: Int) throws(HTTPParserError) {
        let line = try input.bytes.withUnsafeBufferPointer {
            (p) throws(HTTPParserError) -> (method: String, target: String, version: HTTPVersion) in
            var firstSpace = start
            while firstSpace < end, p[firstSpace] != HTTPHeadScanner.space { firstSpace += 1 }
            var secondSpace = firstSpace + 1
            while secondSpace < end, p[secondSpace] != HTTPHeadScanner.space { secondSpace += 1 }
            guard secondSpace < end, firstSpace > start, secondSpace > firstSpace + 1 else {
                throw .invalidRequestLine
            }
            for i in start..<firstSpace where !HTTPHeadScanner.isTokenByte(p[i]) { throw .invalidMethod }
            guard let version = HTTPHeadScanner.parseVersion(p, secondSpace + 1, end) else {
                throw .invalidRequestLine
            }
            guard HTTPHeadScanner.isSupported(version) else { throw .unsupportedVersion }
            let targetStart = firstSpace + 1
            for i in targetStart..<secondSpace where p[i] < 0x21 || p[i] > 0x7E { throw .invalidTarget }
            let isOrigin = p[targetStart] == 0x2F  // "/"
            let isAsterisk = secondSpace - targetStart == 1 && p[targetStart] == 0x2A  // "*"
            if !isOrigin && !isAsterisk {
                throw Self.looksAbsolute(p, targetStart, secondSpace) ? .absoluteFormTarget : .invalidTarget
            }
            return (
                HTTPHeadScanner.string(p, start, firstSpace), HTTPHeadScanner.string(p, targetStart, secondSpace),
                version
            )
        }
        method = line.method
        target = line.target
        version = line.version
    }

    /// Whether `p[start..<end]` starts with `scheme "://"` (absolute-form, RFC 9112 §3.2.2).
    private static func looksAbsolute(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let b = HTTPHeadScanner.lower(p[i])
            let isAlpha = b >= 0x61 && b <= 0x7A
            let isSchemeByte =
                isAlpha || (i > start && ((b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E))
            if !isSchemeByte { break }
            i += 1
        }
        return i > start && end - i >= 3 && p[i] == 0x3A && p[i + 1] == 0x2F && p[i + 2] == 0x2F
    }

    /// Applies the message-level rules once the empty line is seen and prepares the body.
    private mutating func completeHead() throws(HTTPParserError) -> HTTPRequestHead {
        let facts = fields.facts
        let isHTTP11 = version.minor >= 1
        // RFC 9112 §3.2: exactly one Host in HTTP/1.1; never more than one.
        if facts.hostCount > 1 { throw .duplicateHost }
        if facts.hostCount == 0 && isHTTP11 { throw .missingHost }
        // RFC 9112 §6.1–6.3: chunked must be the only coding; CL with TE is a smuggling vector;
        // TE in HTTP/1.0 means faulty framing.
        let framing: HTTPBodyFraming
        if facts.transferEncodingCount > 0 {
            if facts.contentLengthCount > 0 { throw .contentLengthWithTransferEncoding }
            guard isHTTP11, facts.transferEncodingCount == 1, facts.transferEncodingIsChunked else {
                throw .unsupportedTransferEncoding
            }
            framing = .chunked
        } else if let length = try facts.contentLength(allowingIdenticalDuplicates: false) {
            guard length <= limits.maxBodyBytes else { throw .bodyTooLarge }
            framing = .contentLength(length)
        } else {
            framing = .none
        }
        body = HTTPBodyReader(framing: framing, limits: limits, lenientTrailerValues: false)
        phase = .body
        let head = HTTPRequestHead(
            method: method, target: target, version: version, headers: fields.headers, framing: framing,
            keepAlive: HTTPHeadScanner.keepAlive(version: version, facts: facts),
            // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
            expectsContinue: facts.expectsContinue && isHTTP11)
        fields = HTTPFieldBlock()
        return head
    }
}
