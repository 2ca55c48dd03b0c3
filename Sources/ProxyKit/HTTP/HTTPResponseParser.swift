/// An incremental HTTP/1.x response parser (RFC 9112) for an upstream connection.
///
/// Before sending each request, call `expectResponse(toMethod:)` so a response to `HEAD` is
/// known to have no body; the setting applies to the next final (non-1xx) response and then
/// reverts to "not HEAD". Feed bytes with `append` and call `next()` until it returns nil.
/// Each response yields `.head`, zero or more `.body` and `.end`. A 1xx interim response
/// (e.g. `100 Continue`) yields `.head` with framing `.none` and `.end`; the final response
/// follows. When the upstream closes, call `finish()` until it returns nil: it ends a body
/// delimited by the close, and throws `.unexpectedEOF` if a message was cut short.
///
/// Framing (RFC 9112 §6.3): none for HEAD, 1xx, 204 and 304; chunked for
/// `Transfer-Encoding: chunked`; else `Content-Length` (identical repeats tolerated); else
/// until close. Header values are checked leniently (only NUL is rejected; bare CR/LF never
/// are accepted). Errors are sticky, as in `HTTPRequestParser`.
public struct HTTPResponseParser: Sendable {
    private enum Phase: Sendable, Hashable {
        case statusLine
        case headers
        case body
    }

    /// Empty lines tolerated before a status line.
    private static let maxLeadingEmptyLines = 2

    /// The limits this parser enforces.
    public let limits: HTTPParserLimits

    private var input = HTTPInputBuffer()
    private var phase: Phase = .statusLine
    private var failure: HTTPParserError?
    private var lineResume = 0
    private var emptyLinesSkipped = 0
    private var respondsToHEAD = false
    private var version = HTTPVersion.http1_1
    private var status = 0
    private var reason = ""
    private var fields = HTTPFieldBlock()
    private var body = HTTPBodyReader(framing: .none, limits: .responses, lenientTrailerValues: true)

    /// - Parameter limits: size limits; defaults to `HTTPParserLimits.responses`.
    public init(limits: HTTPParserLimits = .responses) {
        self.limits = limits
    }

    /// Bytes received and not yet consumed by `next()`.
    public var bufferedByteCount: Int { input.readableCount }

    /// Whether the parser is between responses with nothing buffered.
    public var isIdle: Bool {
        failure == nil && phase == .statusLine && input.readableCount == 0
    }

    /// Declares the method of the request whose response comes next (only `HEAD` matters).
    /// Lasts until that request's final response ends; 1xx responses do not use it up.
    public mutating func expectResponse(toMethod method: String) {
        respondsToHEAD = method == "HEAD"
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
    public mutating func next() throws(HTTPParserError) -> HTTPParserEvent<HTTPResponseHead>? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    /// Call when the upstream has closed the connection, repeatedly until it returns nil.
    ///
    /// Returns any events still buffered, then `.end` for a body delimited by the close, then
    /// nil. Throws `.unexpectedEOF` when the close cut a head or a `Content-Length`/chunked body
    /// short. Returns nil straight away when the close came between responses.
    public mutating func finish() throws(HTTPParserError) -> HTTPParserEvent<HTTPResponseHead>? {
        if let failure { throw failure }
        do throws(HTTPParserError) {
            if let event = try step() { return event }
            switch phase {
            case .statusLine where input.readableCount == 0:
                return nil
            case .body where body.isUntilClose:
                return endMessage(body.finishAtEOF())
            default:
                throw .unexpectedEOF
            }
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(HTTPParserError) -> HTTPParserEvent<HTTPResponseHead>? {
        while true {
            switch phase {
            case .statusLine:
                let start = input.readIndex
                guard
                    let lineEnd = try HTTPHeadScanner.findLineEnd(
                        input.bytes, from: start, resume: &lineResume, limit: limits.maxStartLineBytes,
                        tooLong: .statusLineTooLong)
                else { return nil }
                input.consume(lineEnd + 2 - start)
                if lineEnd == start {
                    emptyLinesSkipped += 1
                    guard emptyLinesSkipped <= Self.maxLeadingEmptyLines else { throw .invalidStatusLine }
                    continue
                }
                try parseStatusLine(from: start, to: lineEnd)
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
                try fields.append(input.bytes, from: start, to: lineEnd, limits: limits, lenientValues: true)
            case .body:
                let next = try body.next(&input)
                if case .needMore = next { return nil }
                return endMessage(next)
            }
        }
    }

    /// Turns a body step into an event, resetting for the next response after `.end`.
    private mutating func endMessage(_ step: HTTPBodyReader.Step) -> HTTPParserEvent<HTTPResponseHead>? {
        switch step {
        case .body(let bytes):
            return .body(bytes)
        case .end(let trailers):
            if status >= 200 { respondsToHEAD = false }
            phase = .statusLine
            return .end(trailers: trailers)
        case .needMore:
            return nil
        }
    }

    /// `status-line = HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 §4); the
    /// space before an empty reason may be missing too, as RFC 9112 §4 advises tolerating.
    private mutating func parseStatusLine(from start: Int, to end: Int) throws(HTTPParserError) {
        let line = try input.bytes.withUnsafeBufferPointer {
            (p) throws(HTTPParserError) -> (version: HTTPVersion, status: Int, reason: String) in
            guard end - start >= 12, p[start + 8] == HTTPHeadScanner.space,
                let version = HTTPHeadScanner.parseVersion(p, start, start + 8)
            else { throw .invalidStatusLine }
            guard HTTPHeadScanner.isSupported(version) else { throw .unsupportedVersion }
            var status = 0
            for i in (start + 9)..<(start + 12) {
                let digit = p[i] &- 0x30
                guard digit <= 9 else { throw .invalidStatusLine }
                status = status * 10 + Int(digit)
            }
            guard status >= 100 else { throw .invalidStatusLine }
            var reasonStart = start + 12
            if reasonStart < end {
                guard p[reasonStart] == HTTPHeadScanner.space else { throw .invalidStatusLine }
                reasonStart += 1
            }
            guard HTTPHeadScanner.isStrictFieldValue(p, reasonStart, end) else { throw .invalidStatusLine }
            return (version, status, HTTPHeadScanner.string(p, reasonStart, end))
        }
        version = line.version
        status = line.status
        reason = line.reason
    }

    /// Decides the framing once the empty line is seen and prepares the body.
    private mutating func completeHead() throws(HTTPParserError) -> HTTPResponseHead {
        let facts = fields.facts
        let framing: HTTPBodyFraming
        if status < 200 || status == 204 || status == 304 || respondsToHEAD {
            // RFC 9112 §6.3 rule 1: no body whatever the framing fields say.
            framing = .none
        } else if facts.transferEncodingCount > 0 {
            if facts.contentLengthCount > 0 { throw .contentLengthWithTransferEncoding }
            guard version.minor >= 1, facts.transferEncodingCount == 1, facts.transferEncodingIsChunked else {
                throw .unsupportedTransferEncoding
            }
            framing = .chunked
        } else if let length = try facts.contentLength(allowingIdenticalDuplicates: true) {
            guard length <= limits.maxBodyBytes else { throw .bodyTooLarge }
            framing = .contentLength(length)
        } else {
            framing = .untilClose
        }
        body = HTTPBodyReader(framing: framing, limits: limits, lenientTrailerValues: true)
        phase = .body
        let keepAlive = framing != .untilClose && HTTPHeadScanner.keepAlive(version: version, facts: facts)
        let head = HTTPResponseHead(
            version: version, status: status, reason: reason, headers: fields.headers, framing: framing,
            keepAlive: keepAlive)
        fields = HTTPFieldBlock()
        return head
    }
}
