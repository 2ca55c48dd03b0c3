import Testing

@testable import ProxyKit

/// A parser event that can be compared in tests.
enum ParsedEvent<Head: Hashable & Sendable>: Hashable, CustomStringConvertible {
    case head(Head)
    case body([UInt8])
    case end(HTTPHeaders)
    /// The parser threw (always the last element).
    case error(HTTPParserError)

    init(_ event: HTTPParserEvent<Head>) {
        switch event {
        case .head(let head): self = .head(head)
        case .body(let bytes): self = .body(bytes)
        case .end(let trailers): self = .end(trailers)
        }
    }

    var description: String {
        switch self {
        case .head(let head): "head(\(head))"
        case .body(let bytes): "body(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
        case .end(let trailers): "end(\(trailers.fields.map { "\($0.name): \($0.value)" }))"
        case .error(let error): "error(\(error))"
        }
    }
}

/// What the shared verification helpers need from a parser.
protocol VerifiableParser {
    associatedtype Head: Hashable & Sendable
    mutating func append(_ bytes: [UInt8])
    mutating func next() throws(HTTPParserError) -> HTTPParserEvent<Head>?
    /// Signals EOF; returns nil when there is nothing more.
    mutating func finishForTesting() throws(HTTPParserError) -> HTTPParserEvent<Head>?
    var bufferedByteCount: Int { get }
}

extension HTTPRequestParser: VerifiableParser {
    mutating func finishForTesting() throws(HTTPParserError) -> HTTPParserEvent<HTTPRequestHead>? { nil }
}

extension HTTPResponseParser: VerifiableParser {
    mutating func finishForTesting() throws(HTTPParserError) -> HTTPParserEvent<HTTPResponseHead>? {
        try finish()
    }
}

/// Upper bound on events per drain, so a parser that loops forever fails instead of hanging.
let maxEventsPerDrain = 100_000

extension VerifiableParser {
    /// Calls `next()` until nil or an error, appending to `events`. Returns false on error.
    mutating func drain(into events: inout [ParsedEvent<Head>]) -> Bool {
        for _ in 0..<maxEventsPerDrain {
            do {
                guard let event = try next() else { return true }
                events.append(ParsedEvent(event))
            } catch {
                events.append(.error(error))
                return false
            }
        }
        Issue.record("parser produced too many events")
        return false
    }

    /// Calls `finishForTesting()` until nil or an error.
    mutating func drainFinish(into events: inout [ParsedEvent<Head>]) {
        for _ in 0..<maxEventsPerDrain {
            do {
                guard let event = try finishForTesting() else { return }
                events.append(ParsedEvent(event))
            } catch {
                events.append(.error(error))
                return
            }
        }
        Issue.record("finish produced too many events")
    }
}

/// Feeds `bytes` in pieces cut at `cuts` (ascending indices), draining after each piece, then
/// optionally signals EOF. Adjacent body events are merged, since their sizes depend on how the
/// bytes arrived.
func parseEvents<P: VerifiableParser>(
    _ parser: P, _ bytes: [UInt8], cuts: [Int] = [], eof: Bool = false
) -> [ParsedEvent<P.Head>] {
    var parser = parser
    var events: [ParsedEvent<P.Head>] = []
    var start = 0
    var ok = true
    for cut in cuts + [bytes.count] where ok {
        parser.append(Array(bytes[start..<cut]))
        start = cut
        ok = parser.drain(into: &events)
    }
    if ok && eof { parser.drainFinish(into: &events) }
    return mergingBodies(events)
}

func mergingBodies<Head>(_ events: [ParsedEvent<Head>]) -> [ParsedEvent<Head>] {
    var result: [ParsedEvent<Head>] = []
    for event in events {
        if case .body(let more) = event, case .body(let earlier)? = result.last {
            result[result.count - 1] = .body(earlier + more)
        } else {
            result.append(event)
        }
    }
    return result
}

/// Asserts that `bytes` produce `expected` whether fed whole, one byte at a time, or split in
/// two at every index (the NIO `ByteToMessageDecoderVerifier` idea).
func verifyParser<P: VerifiableParser>(
    _ parser: P, _ bytes: [UInt8], eof: Bool = false, _ expected: [ParsedEvent<P.Head>],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let whole = parseEvents(parser, bytes, eof: eof)
    #expect(whole == expected, "whole", sourceLocation: sourceLocation)
    let byteAtATime = parseEvents(parser, bytes, cuts: Array(0..<bytes.count), eof: eof)
    #expect(byteAtATime == expected, "one byte at a time", sourceLocation: sourceLocation)
    for cut in 0...bytes.count {
        let split = parseEvents(parser, bytes, cuts: [cut], eof: eof)
        if split != expected {
            Issue.record("split at \(cut): \(split) != \(expected)", sourceLocation: sourceLocation)
            return
        }
    }
}

/// Asserts that `bytes` make the parser throw `error` (fed whole and one byte at a time), that
/// the error maps to `status`, and that the parser stays failed.
func expectParserRejection<P: VerifiableParser>(
    _ parser: P, _ bytes: [UInt8], _ error: HTTPParserError, status: Int, eof: Bool = false,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(error.status == status, "status of \(error)", sourceLocation: sourceLocation)
    for cuts in [[], Array(0..<bytes.count)] {
        var copy = parser
        var events: [ParsedEvent<P.Head>] = []
        var start = 0
        var failed = false
        for cut in cuts + [bytes.count] where !failed {
            copy.append(Array(bytes[start..<cut]))
            start = cut
            failed = !copy.drain(into: &events)
        }
        if !failed && eof {
            copy.drainFinish(into: &events)
        }
        #expect(
            events.last == .error(error), "\(cuts.isEmpty ? "whole" : "bytewise"): \(events)",
            sourceLocation: sourceLocation)
        #expect(throws: error, "sticky", sourceLocation: sourceLocation) { try copy.next() }
    }
}

/// Bytes that make fuzz mutations hit the grammar's interesting paths.
let fuzzAlphabet: [UInt8] = Array("\r\n :;=\"\\,\t0123456789abcdefABCDEF/HTP.-".utf8) + [0, 0x7F, 0x80, 0xFF]

/// Randomly edits `bytes`: flips, inserts, deletes, duplicates and truncates.
func mutateBytes(_ bytes: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
    var result = bytes
    let edits = Int.random(in: 1...4, using: &rng)
    for _ in 0..<edits {
        let index = result.isEmpty ? 0 : Int.random(in: 0..<result.count, using: &rng)
        let byte =
            Bool.random(using: &rng)
            ? fuzzAlphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        switch Int.random(in: 0..<5, using: &rng) {
        case 0 where !result.isEmpty: result[index] = byte
        case 1: result.insert(byte, at: index)
        case 2 where !result.isEmpty: result.remove(at: index)
        case 3 where !result.isEmpty:
            let end = min(result.count, index + Int.random(in: 1...16, using: &rng))
            result.insert(contentsOf: result[index..<end], at: index)
        default: result = Array(result.prefix(index))
        }
    }
    return result
}

/// Random cut points for `count` bytes.
func randomCuts(_ count: Int, using rng: inout SplitMix64) -> [Int] {
    guard count > 1 else { return [] }
    let pieces = Int.random(in: 0...min(8, count - 1), using: &rng)
    return Set((0..<pieces).map { _ in Int.random(in: 1..<count, using: &rng) }).sorted()
}

/// Feeds `bytes` cut at `cuts` and asserts the outcome is well-formed: events in a legal order
/// (head, bodies, end, ...), at most one error and only at the end, and a sticky error.
func fuzzParserOnce<P: VerifiableParser>(_ parser: P, _ bytes: [UInt8], cuts: [Int]) {
    var copy = parser
    var events: [ParsedEvent<P.Head>] = []
    var start = 0
    var ok = true
    for cut in cuts + [bytes.count] where ok {
        copy.append(Array(bytes[start..<cut]))
        start = cut
        ok = copy.drain(into: &events)
    }
    if ok { copy.drainFinish(into: &events) }
    var inMessage = false
    for (index, event) in events.enumerated() {
        switch event {
        case .head:
            #expect(!inMessage, "head inside a message: \(events)")
            inMessage = true
        case .body(let bytes):
            #expect(inMessage && !bytes.isEmpty, "stray or empty body: \(events)")
        case .end:
            #expect(inMessage, "end outside a message: \(events)")
            inMessage = false
        case .error(let error):
            #expect(index == events.count - 1)
            #expect(throws: error) { try copy.next() }
        }
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `string`.
    init(httpText string: String) { self = Array(string.utf8) }
}
