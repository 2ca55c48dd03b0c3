#if canImport(Glibc)
import Glibc
#endif

/// Accumulates the header (or trailer) fields of one message, validating each line and
/// enforcing the line, block and count limits. Shared by both parsers and `ChunkedDecoder`.
struct HTTPFieldBlock: Sendable {
    /// The fields so far, in arrival order. Room is made at the first field, not here: the
    /// parsers make a fresh block per message, and an empty one costs no allocation.
    private(set) var headers = HTTPHeaders()
    /// Bytes of the field lines so far, each with its CRLF (the final empty line is not counted).
    private(set) var byteCount = 0
    /// What the framing and connection rules need, gathered while the fields are parsed.
    private(set) var facts = HTTPFieldFacts()

    /// The longest content the next line may have and the error to throw when it is longer:
    /// whichever of the line limit and the room left in the block is smaller.
    func lineLimit(_ limits: HTTPParserLimits) -> (limit: Int, error: HTTPParserError) {
        let room = max(0, limits.maxHeaderBlockBytes - byteCount - 2)
        if limits.maxHeaderLineBytes <= room { return (limits.maxHeaderLineBytes, .headerLineTooLong) }
        return (room, .headerBlockTooLarge)
    }

    /// Validates the field line `bytes[start..<end]` (CRLF excluded, not empty) and appends it.
    ///
    /// RFC 9112 §5: `field-name ":" OWS field-value OWS`; no whitespace before the colon, no
    /// obs-fold. Strict values allow HTAB, SP, VCHAR and obs-text; `lenientValues` (responses)
    /// only rejects NUL (CR and LF never get this far).
    mutating func append(
        _ bytes: [UInt8], from start: Int, to end: Int, limits: HTTPParserLimits, lenientValues: Bool
    ) throws(HTTPParserError) {
        guard headers.count < limits.maxHeaderCount else { throw .tooManyHeaders }
        if headers.count == 0 { headers.reserveCapacity(16) }
        try bytes.withUnsafeBufferPointer { (p) throws(HTTPParserError) in
            if HTTPHeadScanner.isWhitespace(p[start]) { throw .obsoleteLineFolding }
            var colon = start
            while colon < end, p[colon] != HTTPHeadScanner.colon {
                guard HTTPHeadScanner.isTokenByte(p[colon]) else { throw .invalidHeaderName }
                colon += 1
            }
            guard colon < end, colon > start else { throw .invalidHeaderName }
            var valueStart = colon + 1
            var valueEnd = end
            while valueStart < valueEnd, HTTPHeadScanner.isWhitespace(p[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart, HTTPHeadScanner.isWhitespace(p[valueEnd - 1]) { valueEnd -= 1 }
            if lenientValues {
                if valueStart < valueEnd, memchr(p.baseAddress! + valueStart, 0, valueEnd - valueStart) != nil { throw .invalidHeaderValue }
            } else {
                guard HTTPHeadScanner.isStrictFieldValue(p, valueStart, valueEnd) else { throw .invalidHeaderValue }
            }
            facts.record(p, name: start..<colon, value: valueStart..<valueEnd)
            headers.add(p, name: start..<colon, value: valueStart..<valueEnd)
        }
        byteCount += end - start + 2
    }
}

/// The fields that decide framing and connection handling, recorded from the raw bytes so the
/// parsers never search `HTTPHeaders` by name.
struct HTTPFieldFacts: Sendable, Hashable {
    var hostCount = 0
    /// Number of `Content-Length` values (fields times comma-separated elements).
    var contentLengthCount = 0
    /// The first `Content-Length` value, if it parsed.
    var contentLengthValue = 0
    var contentLengthInvalid = false
    var contentLengthsDiffer = false
    var transferEncodingCount = 0
    /// Whether the last `Transfer-Encoding` field is exactly `chunked` (any case).
    var transferEncodingIsChunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false

    /// Notes the field if its name is one the framing rules care about.
    mutating func record(_ p: UnsafeBufferPointer<UInt8>, name: Range<Int>, value: Range<Int>) {
        let (s, e) = (name.lowerBound, name.upperBound)
        switch e - s {
        case 4 where HTTPHeadScanner.equalsLowercase(p, s, e, "host"):
            hostCount += 1
        case 6 where HTTPHeadScanner.equalsLowercase(p, s, e, "expect"):
            if HTTPHeadScanner.equalsLowercase(p, value.lowerBound, value.upperBound, "100-continue") {
                expectsContinue = true
            }
        case 10 where HTTPHeadScanner.equalsLowercase(p, s, e, "connection"):
            Self.forEachListElement(p, value) { start, end in
                if HTTPHeadScanner.equalsLowercase(p, start, end, "close") { connectionClose = true }
                if HTTPHeadScanner.equalsLowercase(p, start, end, "keep-alive") { connectionKeepAlive = true }
            }
        case 14 where HTTPHeadScanner.equalsLowercase(p, s, e, "content-length"):
            Self.forEachListElement(p, value) { start, end in recordContentLength(p, start, end) }
        case 17 where HTTPHeadScanner.equalsLowercase(p, s, e, "transfer-encoding"):
            transferEncodingCount += 1
            transferEncodingIsChunked = HTTPHeadScanner.equalsLowercase(
                p, value.lowerBound, value.upperBound, "chunked")
        default:
            break
        }
    }

    private mutating func recordContentLength(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        contentLengthCount += 1
        var value = 0
        var valid = start < end
        var i = start
        while valid, i < end {
            let digit = Int(p[i] &- 0x30)
            if digit > 9 || value > (Int.max - digit) / 10 {
                valid = false
            } else {
                value = value * 10 + digit
            }
            i += 1
        }
        if !valid {
            contentLengthInvalid = true
        } else if contentLengthCount == 1 {
            contentLengthValue = value
        } else if value != contentLengthValue {
            contentLengthsDiffer = true
        }
    }

    /// Calls `body` with each comma-separated element of `p[range]`, OWS trimmed; empty
    /// elements are passed too.
    private static func forEachListElement(
        _ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Int, Int) -> Void
    ) {
        var start = range.lowerBound
        while true {
            var end = start
            while end < range.upperBound, p[end] != 0x2C { end += 1 }
            var s = start
            var e = end
            while s < e, HTTPHeadScanner.isWhitespace(p[s]) { s += 1 }
            while e > s, HTTPHeadScanner.isWhitespace(p[e - 1]) { e -= 1 }
            body(s, e)
            if end >= range.upperBound { return }
            start = end + 1
        }
    }

    /// The body length from `Content-Length` (RFC 9112 §6.3), or nil when there is none.
    /// Requests reject any repetition; responses may repeat one identical value.
    func contentLength(allowingIdenticalDuplicates: Bool) throws(HTTPParserError) -> Int? {
        guard contentLengthCount > 0 else { return nil }
        if contentLengthCount > 1, !allowingIdenticalDuplicates { throw .duplicateContentLength }
        if contentLengthInvalid { throw .invalidContentLength }
        if contentLengthsDiffer { throw .duplicateContentLength }
        return contentLengthValue
    }
}
