import Testing

@testable import ProxyKit

struct ChunkedDecoderTests {
    /// What decoding some pieces produced.
    struct Outcome: Equatable, CustomStringConvertible {
        var body: [UInt8] = []
        var trailers: HTTPHeaders?
        var leftover: [UInt8] = []
        var error: HTTPParserError?

        var description: String {
            "body=\(String(decoding: body, as: UTF8.self).debugDescription) trailers=\(String(describing: trailers)) "
                + "leftover=\(leftover) error=\(String(describing: error))"
        }
    }

    /// Feeds `pieces` one after another the way a parser would: bytes accumulate in a buffer and
    /// the consumed prefix is dropped after each call.
    static func decode(_ pieces: [[UInt8]], limits: HTTPParserLimits = .requests) -> Outcome {
        var decoder = ChunkedDecoder(limits: limits)
        var buffer: [UInt8] = []
        var outcome = Outcome()
        for piece in pieces {
            buffer += piece
            if outcome.trailers != nil { continue }
            do {
                while true {
                    let progress = try decoder.decode(buffer, from: 0, into: &outcome.body)
                    buffer.removeFirst(progress.consumed)
                    if let trailers = progress.trailers {
                        outcome.trailers = trailers
                        #expect(decoder.isComplete)
                        break
                    }
                    if progress.consumed == 0 { break }
                }
            } catch {
                outcome.error = error
                return outcome
            }
        }
        outcome.leftover = buffer
        return outcome
    }

    /// Asserts the same outcome for `text` whole, byte by byte and split at every index.
    static func verify(
        _ text: String, limits: HTTPParserLimits = .requests, _ expected: Outcome,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let bytes = Array(httpText: text)
        #expect(decode([bytes], limits: limits) == expected, "whole", sourceLocation: sourceLocation)
        #expect(decode(bytes.map { [$0] }, limits: limits) == expected, "bytewise", sourceLocation: sourceLocation)
        for cut in 0...bytes.count {
            let outcome = decode([Array(bytes[..<cut]), Array(bytes[cut...])], limits: limits)
            if outcome != expected {
                Issue.record("split at \(cut): \(outcome)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    static func done(_ body: String, trailers: [(String, String)] = [], leftover: String = "") -> Outcome {
        Outcome(body: Array(httpText: body), trailers: HTTPHeaders(trailers), leftover: Array(httpText: leftover))
    }

    static func failed(_ error: HTTPParserError, body: String = "") -> Outcome {
        Outcome(body: Array(httpText: body), error: error)
    }

    @Test func decodesSimpleChunks() {
        Self.verify("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", Self.done("hello world"))
    }

    @Test func decodesEmptyBody() {
        Self.verify("0\r\n\r\n", Self.done(""))
    }

    @Test func ignoresChunkExtensions() {
        Self.verify("5;a\r\nhello\r\n1 ; b = c ;d=e\r\n!\r\n0;last=yes\r\n\r\n", Self.done("hello!"))
    }

    @Test func ignoresQuotedChunkExtensions() {
        Self.verify("3;name=\"a;b=\\\"c\\\" d\"\r\nabc\r\n0\r\n\r\n", Self.done("abc"))
    }

    @Test func parsesTrailers() {
        Self.verify(
            "2\r\nhi\r\n0\r\nX-Sum: 1\r\nX-Other:\t two words \r\n\r\n",
            Self.done("hi", trailers: [("X-Sum", "1"), ("X-Other", "two words")]))
    }

    @Test func handlesZeroSizeChunkSplitAcrossReads() {
        let pieces = ["4\r\nabcd\r\n0", "\r", "\n", "\r", "\n"].map { Array(httpText: $0) }
        #expect(Self.decode(pieces) == Self.done("abcd"))
    }

    @Test func acceptsUppercaseAndMixedCaseHex() {
        Self.verify("A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n", Self.done("01234567890123456789a"))
    }

    @Test func acceptsLeadingZeros() {
        Self.verify("0000000000000000000003\r\nabc\r\n000\r\n\r\n", Self.done("abc"))
    }

    @Test func leavesBytesAfterTheBodyUnconsumed() {
        Self.verify("1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n", Self.done("x", leftover: "GET / HTTP/1.1\r\n"))
    }

    @Test func rejectsOverflowingSizes() {
        Self.verify("FFFFFFFFFFFFFFFFF\r\n", Self.failed(.chunkSizeOverflow))
        Self.verify("8000000000000000\r\n", Self.failed(.chunkSizeOverflow))
        #expect(HTTPParserError.chunkSizeOverflow.status == 400)
    }

    @Test func rejectsHugeSizeWithinIntAsTooLarge() {
        Self.verify("7FFFFFFFFFFFFFFF\r\n", Self.failed(.bodyTooLarge))
    }

    @Test func rejectsMissingCRLFAfterData() {
        Self.verify("3\r\nabcd\r\n0\r\n\r\n", Self.failed(.invalidChunkTerminator, body: "abc"))
        Self.verify("3\r\nabc\n0\r\n\r\n", Self.failed(.invalidChunkTerminator, body: "abc"))
        Self.verify("3\r\nabc\r0\r\n\r\n", Self.failed(.invalidChunkTerminator, body: "abc"))
    }

    @Test func rejectsChunkLineOverTheLimit() {
        let limits = HTTPParserLimits(maxChunkLineBytes: 16)
        Self.verify("1;abcdefghijklmn\r\nx\r\n0\r\n\r\n", limits: limits, Self.done("x"))
        Self.verify("1;abcdefghijklmno\r\nx\r\n0\r\n\r\n", limits: limits, Self.failed(.chunkLineTooLong))
        // Detected without waiting for the line's end.
        #expect(Self.decode([Array(httpText: "000000000000000001")], limits: limits) == Self.failed(.chunkLineTooLong))
        #expect(HTTPParserError.chunkLineTooLong.status == 400)
    }

    @Test func rejectsInvalidSizeLines() {
        for line in [
            "", "g", " 5", "-1", "5 x", "5;", "5; ", "5;=x", "5;a=", "5;a=\"x", "5;a=b c", "5;a=\"\u{1}\"", "0x5",
        ] {
            Self.verify(line + "\r\nhello\r\n0\r\n\r\n", Self.failed(.invalidChunkSize))
        }
    }

    @Test func rejectsBareLineEndingsInSizeLines() {
        Self.verify("5\nhello\r\n0\r\n\r\n", Self.failed(.bareLF))
        Self.verify("5\rhello\r\n0\r\n\r\n", Self.failed(.bareCR))
        Self.verify("0\r\n\n", Self.failed(.bareLF))
    }

    @Test func validatesTrailersLikeHeaders() {
        Self.verify("0\r\nBad Name: 1\r\n\r\n", Self.failed(.invalidHeaderName))
        Self.verify("0\r\nX: a\u{0}\r\n\r\n", Self.failed(.invalidHeaderValue))
        Self.verify("0\r\nX: 1\r\n 2\r\n\r\n", Self.failed(.obsoleteLineFolding))
        let limits = HTTPParserLimits(maxHeaderLineBytes: 8, maxHeaderBlockBytes: 16, maxHeaderCount: 2)
        Self.verify("0\r\nX: 12345\r\n\r\n", limits: limits, Self.done("", trailers: [("X", "12345")]))
        Self.verify("0\r\nX: 123456\r\n\r\n", limits: limits, Self.failed(.headerLineTooLong))
        // 10 + 6 bytes fill the 16-byte block exactly; one more byte does not fit.
        Self.verify(
            "0\r\nA: 12345\r\nB: 1\r\n\r\n", limits: limits, Self.done("", trailers: [("A", "12345"), ("B", "1")]))
        Self.verify("0\r\nA: 12345\r\nB: 12\r\n\r\n", limits: limits, Self.failed(.headerBlockTooLarge))
        let countLimits = HTTPParserLimits(maxHeaderCount: 2)
        Self.verify("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: countLimits, Self.failed(.tooManyHeaders))
    }

    @Test func enforcesTheBodyLimitAcrossChunks() {
        let limits = HTTPParserLimits(maxBodyBytes: 6)
        Self.verify("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", limits: limits, Self.done("abcdef"))
        Self.verify("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", limits: limits, Self.failed(.bodyTooLarge, body: "abc"))
    }

    @Test func reportsDataBeforeALaterErrorThenTheError() throws {
        var decoder = ChunkedDecoder(limits: .requests)
        var body: [UInt8] = []
        let bytes = Array(httpText: "2\r\nok\r\nzz\r\n")
        let progress = try decoder.decode(bytes, from: 0, into: &body)
        #expect(body == Array(httpText: "ok"))
        #expect(progress.trailers == nil)
        #expect(throws: HTTPParserError.invalidChunkSize) {
            try decoder.decode(bytes, from: progress.consumed, into: &body)
        }
    }

    @Test func fuzzedChunkedBodiesNeverTrap() {
        var rng = SplitMix64(seed: 0xC4_0C4ED)
        let corpus = [
            "5\r\nhello\r\n0\r\n\r\n", "3;x=\"y\"\r\nabc\r\n0\r\nT: v\r\n\r\n",
            "A\r\n0123456789\r\n1\r\n!\r\n0\r\n\r\n",
        ]
        let limits = HTTPParserLimits(maxHeaderCount: 3, maxBodyBytes: 32, maxChunkLineBytes: 24)
        for _ in 0..<2000 {
            let bytes = mutateBytes(Array(httpText: corpus.randomElement(using: &rng)!), using: &rng)
            let cuts = randomCuts(bytes.count, using: &rng)
            var pieces: [[UInt8]] = []
            var start = 0
            for cut in cuts + [bytes.count] {
                pieces.append(Array(bytes[start..<cut]))
                start = cut
            }
            let split = Self.decode(pieces, limits: limits)
            let whole = Self.decode([bytes], limits: limits)
            #expect(split == whole, "\(bytes)")
        }
    }
}
