/// Reads one message body from an `HTTPInputBuffer` according to its framing. Shared by both
/// parsers: it hands out decoded bytes as they arrive, never reading past the body's end, so
/// the next pipelined message stays in the buffer.
struct HTTPBodyReader: Sendable {
    /// What one `next` call produced.
    enum Step: Sendable {
        /// Decoded body bytes (never empty).
        case body([UInt8])
        /// The body is complete (trailers from a chunked body, otherwise empty).
        case end(HTTPHeaders)
        /// Nothing can be produced until more bytes arrive.
        case needMore
    }

    private enum Mode: Sendable, Hashable {
        case fixed
        case chunked
        case untilClose
        /// Chunked data was returned together with the end; the end is still owed.
        case endPending
        case finished
    }

    private var mode: Mode
    private var remaining = 0
    private var decoder: ChunkedDecoder?
    private var pendingTrailers = HTTPHeaders()

    /// - Parameters:
    ///   - framing: `.none` behaves like `.contentLength(0)`.
    ///   - lenientTrailerValues: passed to `ChunkedDecoder` (responses).
    init(framing: HTTPBodyFraming, limits: HTTPParserLimits, lenientTrailerValues: Bool) {
        switch framing {
        case .none:
            mode = .fixed
        case .contentLength(let length):
            mode = .fixed
            remaining = length
        case .chunked:
            mode = .chunked
            decoder = ChunkedDecoder(limits: limits, lenientTrailerValues: lenientTrailerValues)
        case .untilClose:
            mode = .untilClose
        }
    }

    /// Whether the body ends only when the connection closes.
    var isUntilClose: Bool { mode == .untilClose }

    /// Produces the next body step from `input`, consuming what it uses.
    mutating func next(_ input: inout HTTPInputBuffer) throws(HTTPParserError) -> Step {
        switch mode {
        case .fixed:
            if remaining == 0 { return finish(HTTPHeaders()) }
            guard input.readableCount > 0 else { return .needMore }
            let bytes = input.read(upTo: remaining)
            remaining -= bytes.count
            return .body(bytes)
        case .chunked:
            var bytes: [UInt8] = []
            let progress = try decoder!.decode(input.bytes, from: input.readIndex, into: &bytes)
            input.consume(progress.consumed)
            if let trailers = progress.trailers {
                if bytes.isEmpty { return finish(trailers) }
                pendingTrailers = trailers
                mode = .endPending
                return .body(bytes)
            }
            return bytes.isEmpty ? .needMore : .body(bytes)
        case .untilClose:
            guard input.readableCount > 0 else { return .needMore }
            return .body(input.read(upTo: input.readableCount))
        case .endPending:
            return finish(pendingTrailers)
        case .finished:
            fatalError("Internal inconsistency: body reader used after its end")
        }
    }

    /// Ends a body read until close (the peer has closed the connection).
    mutating func finishAtEOF() -> Step {
        precondition(mode == .untilClose, "Internal inconsistency: EOF ends only until-close bodies")
        return finish(HTTPHeaders())
    }

    private mutating func finish(_ trailers: HTTPHeaders) -> Step {
        mode = .finished
        decoder = nil
        return .end(trailers)
    }
}
