/// Incrementally decodes a `Transfer-Encoding: chunked` body (RFC 9112 §7.1):
///
///     chunked-body = *chunk last-chunk trailer-section CRLF
///     chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
///     last-chunk   = 1*("0") [ chunk-ext ] CRLF
///
/// A pure value-type state machine: the owner keeps the bytes, passes the unconsumed ones to
/// `decode(_:from:into:)` and drops as many as it reports consumed. Chunk extensions are
/// checked for syntax and ignored; trailer fields get the same validation and limits as
/// header fields.
struct ChunkedDecoder: Sendable {
    private enum State: Sendable, Hashable {
        /// Reading a chunk-size line.
        case size
        /// Inside chunk data with this many bytes left.
        case data(remaining: Int)
        /// Chunk data is done; its CR is next.
        case dataCR
        /// Chunk data and its CR are done; LF is next.
        case dataLF
        /// After the last chunk: trailer lines until an empty line.
        case trailers
        /// The body is complete.
        case done
    }

    /// The outcome of one `decode` call.
    struct Progress: Sendable {
        /// How many input bytes were used (everything before them may be dropped).
        var consumed: Int
        /// The trailer fields, once the whole chunked body has been read; nil while more is due.
        var trailers: HTTPHeaders?
    }

    private let limits: HTTPParserLimits
    private let lenientTrailerValues: Bool
    private var state: State = .size
    private var lineResume = 0
    /// Decoded body bytes so far, checked against `limits.maxBodyBytes`.
    private(set) var bodyByteCount = 0
    private var trailers = HTTPFieldBlock()
    /// An error found after data that was handed out first; thrown by the next call.
    private var pendingError: HTTPParserError?

    /// - Parameter lenientTrailerValues: accept any trailer value byte except NUL (responses).
    init(limits: HTTPParserLimits, lenientTrailerValues: Bool = false) {
        self.limits = limits
        self.lenientTrailerValues = lenientTrailerValues
    }

    /// Whether the whole chunked body, trailers included, has been decoded.
    var isComplete: Bool { state == .done }

    /// Decodes as much of `bytes[start...]` as possible, appending chunk data to `body`.
    /// `Progress.consumed` counts from `start`.
    ///
    /// If an error follows some data in the same input, the data is returned first and the error
    /// is thrown by the next call, so the outcome does not depend on how the bytes were split.
    mutating func decode(_ bytes: [UInt8], from start: Int, into body: inout [UInt8]) throws(HTTPParserError)
        -> Progress
    {
        if let pendingError { throw pendingError }
        let bodyCountBefore = body.count
        var pos = start
        do {
            return try decodeSteps(bytes, from: start, at: &pos, into: &body)
        } catch {
            guard body.count > bodyCountBefore else { throw error }
            pendingError = error
            return Progress(consumed: pos - start)
        }
    }

    private mutating func decodeSteps(
        _ bytes: [UInt8], from start: Int, at pos: inout Int, into body: inout [UInt8]
    ) throws(HTTPParserError) -> Progress {
        let count = bytes.count
        while true {
            switch state {
            case .size:
                guard
                    let lineEnd = try HTTPHeadScanner.findLineEnd(
                        bytes, from: pos, resume: &lineResume, limit: limits.maxChunkLineBytes,
                        tooLong: .chunkLineTooLong)
                else { return Progress(consumed: pos - start) }
                let size = try Self.parseSizeLine(bytes, from: pos, to: lineEnd)
                guard size <= limits.maxBodyBytes - bodyByteCount else { throw .bodyTooLarge }
                bodyByteCount += size
                pos = lineEnd + 2
                state = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let n = min(remaining, count - pos)
                guard n > 0 else { return Progress(consumed: pos - start) }
                body.append(contentsOf: bytes[pos..<(pos + n)])
                pos += n
                state = n == remaining ? .dataCR : .data(remaining: remaining - n)
            case .dataCR:
                guard pos < count else { return Progress(consumed: pos - start) }
                guard bytes[pos] == HTTPHeadScanner.cr else { throw .invalidChunkTerminator }
                pos += 1
                state = .dataLF
            case .dataLF:
                guard pos < count else { return Progress(consumed: pos - start) }
                guard bytes[pos] == HTTPHeadScanner.lf else { throw .invalidChunkTerminator }
                pos += 1
                state = .size
            case .trailers:
                let (limit, error) = trailers.lineLimit(limits)
                guard
                    let lineEnd = try HTTPHeadScanner.findLineEnd(
                        bytes, from: pos, resume: &lineResume, limit: limit, tooLong: error)
                else { return Progress(consumed: pos - start) }
                if lineEnd == pos {
                    state = .done
                    return Progress(consumed: pos + 2 - start, trailers: trailers.headers)
                }
                try trailers.append(
                    bytes, from: pos, to: lineEnd, limits: limits, lenientValues: lenientTrailerValues)
                pos = lineEnd + 2
            case .done:
                return Progress(consumed: pos - start, trailers: trailers.headers)
            }
        }
    }

    /// Parses `chunk-size [ chunk-ext ]` in `bytes[start..<end]` and returns the size.
    ///
    ///     chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
    ///     ext-val   = token / quoted-string
    private static func parseSizeLine(_ bytes: [UInt8], from start: Int, to end: Int) throws(HTTPParserError)
        -> Int
    {
        try bytes.withUnsafeBufferPointer { (p) throws(HTTPParserError) -> Int in
            var i = start
            var size = 0
            while i < end, let digit = hexValue(p[i]) {
                guard size <= (Int.max - digit) >> 4 else { throw .chunkSizeOverflow }
                size = size << 4 | digit
                i += 1
            }
            guard i > start else { throw .invalidChunkSize }
            while true {
                i = skipWhitespace(p, i, end)
                if i == end { return size }
                guard p[i] == 0x3B else { throw .invalidChunkSize }  // ";"
                i = skipWhitespace(p, i + 1, end)
                let nameStart = i
                while i < end, HTTPHeadScanner.isTokenByte(p[i]) { i += 1 }
                guard i > nameStart else { throw .invalidChunkSize }
                let afterName = skipWhitespace(p, i, end)
                guard afterName < end, p[afterName] == 0x3D else { continue }  // "="
                i = skipWhitespace(p, afterName + 1, end)
                guard i < end else { throw .invalidChunkSize }
                if p[i] == 0x22 {
                    i = try skipQuotedString(p, i, end)
                } else {
                    let valueStart = i
                    while i < end, HTTPHeadScanner.isTokenByte(p[i]) { i += 1 }
                    guard i > valueStart else { throw .invalidChunkSize }
                }
            }
        }
    }

    @inline(__always)
    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x46: Int(b - 0x41 + 10)
        case 0x61...0x66: Int(b - 0x61 + 10)
        default: nil
        }
    }

    private static func skipWhitespace(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> Int {
        var i = from
        while i < end, HTTPHeadScanner.isWhitespace(p[i]) { i += 1 }
        return i
    }

    /// Skips `DQUOTE *( qdtext / quoted-pair ) DQUOTE` starting at the opening quote `p[from]`
    /// and returns the index after the closing quote.
    private static func skipQuotedString(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int)
        throws(HTTPParserError) -> Int
    {
        var i = from + 1
        while i < end {
            let b = p[i]
            switch b {
            case 0x22:
                return i + 1
            case 0x5C:  // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                guard i + 1 < end, p[i + 1] == HTTPHeadScanner.tab || (p[i + 1] >= 0x20 && p[i + 1] != 0x7F)
                else { throw .invalidChunkSize }
                i += 2
            case HTTPHeadScanner.tab, 0x20...0x7E, 0x80...0xFF:
                i += 1
            default:
                throw .invalidChunkSize
            }
        }
        throw .invalidChunkSize
    }
}
