/// Watches a streaming (`text/event-stream`) response body on its way to the client and meters it.
///
/// Feed it the de-chunked body bytes as they arrive; it returns the bytes to forward now. It keeps
/// the counts of the last event that carries `usage`, counts content deltas, notes when the first
/// one completed, and spots `data: [DONE]` and mid-stream `{"error":…}` events. When the proxy
/// injected `stream_options.include_usage` itself, it can also remove the usage-only chunk
/// (`"choices":[]` plus `usage`) that the client did not ask for.
///
/// Framing follows the WHATWG event-stream rules that vLLM/uvicorn use: lines end with LF, CRLF or
/// CR (a CRLF split across two feeds is one line ending); an empty line ends an event; `data:`
/// takes an optional single space and several `data:` lines join with LF; lines starting with `:`
/// are comments; other fields are ignored; a UTF-8 BOM may open the stream. An event whose data is
/// not valid JSON is forwarded and not inspected. An incomplete event at the end of the body is
/// forwarded by `finish()` but, as in the WHATWG rules, never inspected.
///
/// The scanner is a pure state machine: one pass over the bytes, no I/O and no per-byte
/// allocation. Memory stays bounded by `maxEventBytes`: at most that many raw bytes are held back
/// and at most that many payload bytes are copied for inspection.
public struct SSEUsageScanner: Sendable {
    /// Whether usage-only events (`"choices":[]` and a `usage` object) are dropped from the output.
    public let removeUsageOnlyChunk: Bool
    /// The largest event, in raw bytes including field names and line endings, that is inspected
    /// (and, when removing, held back). Larger events pass through untouched. Default 1 MiB.
    public let maxEventBytes: Int

    /// The counts of the last event carrying a `usage` object; nil when none did. With
    /// `continuous_usage_stats` every chunk has one and the last wins.
    public private(set) var usage: TokenUsage?
    /// How many events carried generated output in a choice: non-empty `delta.content`,
    /// `delta.reasoning`, `delta.reasoning_content`, `delta.tool_calls` or completions `text`.
    /// One event counts once however many tokens it carries (speculative decoding, stream interval).
    public private(set) var contentDeltas = 0
    /// The `now` of the `feed` call in which the first content delta's event completed.
    public private(set) var firstContentAt: UInt64?
    /// Whether a `data: [DONE]` event was seen.
    public private(set) var sawDone = false
    /// The first `{"error":{…}}` event's error.
    public private(set) var error: StreamError?
    /// Whether a usage-only event was dropped from the output.
    public private(set) var removedUsageChunk = false
    /// The first `model` string seen in an event (vLLM's served model name).
    public private(set) var model: String?

    /// Where the current line stands.
    private var line = LineState.start
    /// The previous byte was a CR, so an LF now completes that line ending.
    private var afterCR = false
    /// The event that just ended on a CR was dropped, so an LF now belongs to it and is dropped too.
    private var dropLineFeed = false
    /// No byte of the stream has been seen yet (a BOM is only allowed there).
    private var atStreamStart = true
    /// A line other than a blank one has started since the last event ended.
    private var inEvent = false
    /// The current event's bytes are being held back in `held` (removal mode only).
    private var holding = false
    /// The current event outgrew `maxEventBytes`: it passes through and is not inspected.
    private var oversized = false
    /// The current event has at least one `data` field.
    private var eventHasData = false
    /// The current event's first line started with the stream's BOM.
    private var bomInEvent = false
    /// Bytes of the current event seen in earlier `feed` calls.
    private var eventCarried = 0
    /// The current event's data payload, `data` lines joined with LF.
    private var data: [UInt8] = []
    /// The current event's raw bytes held back from the client (removal mode only).
    private var held: [UInt8] = []
    /// The `now` of the `feed` call in progress.
    private var now: UInt64 = 0

    /// A scanner for one response body.
    /// - Parameters:
    ///   - removeUsageOnlyChunk: drop events whose JSON has `"choices":[]` and a `usage` object (the
    ///     chunk the proxy asked for on the client's behalf). When false the output always equals
    ///     the input, byte for byte and without delay.
    ///   - maxEventBytes: an event longer than this many bytes (raw, field names and line endings
    ///     included) is passed through untouched and not inspected (default 1 MiB, must be ≥ 0);
    ///     memory stays bounded by it (held raw bytes and the payload copy are each at most this).
    public init(removeUsageOnlyChunk: Bool, maxEventBytes: Int = 1 << 20) {
        precondition(maxEventBytes >= 0, "maxEventBytes must not be negative")
        self.removeUsageOnlyChunk = removeUsageOnlyChunk
        self.maxEventBytes = maxEventBytes
    }

    /// Bytes held back for the current event (payload copy plus raw bytes), for tests and metrics.
    var bufferedByteCount: Int { self.data.count + self.held.count }

    /// Feeds body bytes as they arrive; returns the bytes to forward to the client now.
    /// - Parameter now: a monotonic timestamp in nanoseconds supplied by the caller.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> [UInt8] {
        self.now = now
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        self.scan(bytes.assumingMemoryBound(to: UInt8.self), into: &out)
        return out
    }

    /// Feeds body bytes as they arrive; returns the bytes to forward to the client now.
    /// - Parameter now: a monotonic timestamp in nanoseconds supplied by the caller.
    public mutating func feed(_ bytes: [UInt8], now: UInt64) -> [UInt8] {
        bytes.withUnsafeBytes { self.feed($0, now: now) }
    }

    /// Ends the body: returns the held bytes of an incomplete last event, which are forwarded as
    /// they are (never dropped, never inspected). The scanner is then back at a line start.
    public mutating func finish() -> [UInt8] {
        let out = self.held
        self.endEventState()
        self.line = .start
        self.afterCR = false
        self.dropLineFeed = false
        return out
    }

    // MARK: - Framing

    /// The position inside the current line.
    private enum LineState: Sendable {
        /// Nothing of the line yet (or only the stream's BOM).
        case start
        /// This many bytes of a BOM at the very start of the stream.
        case bom(Int)
        /// This many bytes of the field name `data` so far.
        case name(Int)
        /// Right after `data:`, where one space is skipped.
        case valueStart
        /// Inside a `data` value.
        case value
        /// A comment, another field, or a field name that is not `data`.
        case ignored
    }

    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    /// Byte `k` (0...2) of the UTF-8 BOM, and whether `b` is byte `k` of the field name `data`.
    /// Byte constants, not static arrays: each access to one goes through its lazy initializer
    /// (`swift_once`), four times per line.
    @inline(__always)
    private static func bomByte(_ k: Int) -> UInt8 {
        k == 0 ? 0xEF : k == 1 ? 0xBB : 0xBF
    }

    @inline(__always)
    private static func isDataNameByte(_ b: UInt8, at k: Int) -> Bool {
        switch k {
        case 0: b == UInt8(ascii: "d")
        case 1: b == UInt8(ascii: "a")
        case 2: b == UInt8(ascii: "t")
        case 3: b == UInt8(ascii: "a")
        default: false
        }
    }

    /// One pass over `p`: frames lines and events, inspects completed events and appends the bytes
    /// to forward to `out`. `runStart` marks the first byte not yet forwarded or held.
    private mutating func scan(_ p: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = p.count
        guard n > 0 else { return }
        let bomAllowed = self.atStreamStart
        self.atStreamStart = false
        var i = 0
        var runStart = 0
        var eventStart = 0
        while i < n {
            let b = p[i]
            if self.afterCR {
                self.afterCR = false
                if b == Self.lf {
                    // The LF of a CRLF: part of the line ending already handled.
                    if self.dropLineFeed { runStart = i + 1 }
                    self.dropLineFeed = false
                    i += 1
                    continue
                }
            }
            self.dropLineFeed = false

            if b == Self.lf || b == Self.cr {
                self.afterCR = b == Self.cr
                switch self.line {
                case .start:
                    if self.inEvent {
                        self.completeEvent(p, endingAt: i, eventStart: eventStart, runStart: &runStart, into: &out)
                    }
                case .name(4), .valueStart:
                    self.beginDataValue()
                default:
                    break
                }
                self.line = .start
                i += 1
                continue
            }

            if !self.inEvent {
                self.inEvent = true
                self.eventCarried = 0
                self.oversized = false
                self.eventHasData = false
                self.bomInEvent = false
                eventStart = i
                if self.removeUsageOnlyChunk {
                    self.holding = true
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i]))
                    runStart = i
                }
            }

            switch self.line {
            case .start:
                if b == Self.bomByte(0) && i == 0 && bomAllowed {
                    self.line = .bom(1)
                } else if Self.isDataNameByte(b, at: 0) {
                    self.line = .name(1)
                } else {
                    self.line = .ignored  // a comment (`:`) or another field
                }
                i += 1
            case .bom(let k):
                if b == Self.bomByte(k) {
                    if k == 2 {
                        self.line = .start
                        self.bomInEvent = true
                    } else {
                        self.line = .bom(k + 1)
                    }
                } else {
                    self.line = .ignored
                }
                i += 1
            case .name(let k):
                if k < 4 && Self.isDataNameByte(b, at: k) {
                    self.line = .name(k + 1)
                } else if k == 4 && b == UInt8(ascii: ":") {
                    self.line = .valueStart
                    self.beginDataValue()
                } else {
                    self.line = .ignored
                }
                i += 1
            case .valueStart:
                self.line = .value
                if b == UInt8(ascii: " ") { i += 1 }
            case .value:
                let end = ByteSearch.lineEnd(in: p, from: i)
                self.appendData(UnsafeBufferPointer(rebasing: p[i..<end]))
                i = end
            case .ignored:
                i = ByteSearch.lineEnd(in: p, from: i)
            }
        }

        if self.inEvent {
            self.eventCarried += n - eventStart
            if self.eventCarried > self.maxEventBytes { self.markOversized() }
        }
        if self.holding {
            if self.oversized {
                // Too big to hold: release what is held and let the rest of the event stream through.
                out.append(contentsOf: self.held)
                self.held = []
                self.holding = false
            } else {
                self.held.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<n]))
                return
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<n]))
    }

    /// A `data` field starts: lines after the first are joined with LF.
    private mutating func beginDataValue() {
        if self.eventHasData && !self.oversized {
            if self.data.count < self.maxEventBytes {
                self.data.append(Self.lf)
            } else {
                self.markOversized()
            }
        }
        self.eventHasData = true
    }

    private mutating func appendData(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !self.oversized, !bytes.isEmpty else { return }
        guard self.data.count + bytes.count <= self.maxEventBytes else {
            self.markOversized()
            return
        }
        self.data.append(contentsOf: bytes)
    }

    private mutating func markOversized() {
        self.oversized = true
        Self.release(&self.data)
    }

    /// The blank line whose line-ending byte is `p[end]` completes the current event: inspect it,
    /// then forward or drop its held bytes.
    private mutating func completeEvent(
        _ p: UnsafeBufferPointer<UInt8>, endingAt end: Int, eventStart: Int, runStart: inout Int,
        into out: inout [UInt8]
    ) {
        if self.eventCarried + (end + 1 - eventStart) > self.maxEventBytes { self.markOversized() }
        var drop = false
        if self.eventHasData && !self.oversized { drop = self.dispatch() }
        if self.holding {
            if drop {
                if self.bomInEvent { for k in 0..<3 { out.append(Self.bomByte(k)) } }
                self.dropLineFeed = p[end] == Self.cr
            } else {
                out.append(contentsOf: self.held)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart...end]))
            }
            runStart = end + 1
        }
        self.endEventState()
    }

    /// Forgets the current event.
    private mutating func endEventState() {
        self.inEvent = false
        self.holding = false
        self.oversized = false
        self.eventHasData = false
        self.bomInEvent = false
        self.eventCarried = 0
        Self.release(&self.held)
        Self.release(&self.data)
    }

    /// Empties `buffer`, keeping a small allocation for the next event.
    private static func release(_ buffer: inout [UInt8]) {
        if buffer.capacity > 64 * 1024 {
            buffer = []
        } else {
            buffer.removeAll(keepingCapacity: true)
        }
    }

    // MARK: - Inspection

    /// Records what the completed event's data says; returns whether to drop the event.
    private mutating func dispatch() -> Bool {
        if self.data.withUnsafeBufferPointer({ SSEEventInspector.isDone($0) }) {
            self.sawDone = true
            return false
        }
        // Once the model is known, the common event (a delta, no usage, no error) is classified
        // by one byte scan; only events that may carry usage or an error are JSON-parsed.
        if self.model != nil {
            if let hasContent = self.data.withUnsafeBufferPointer({ SSEEventInspector.quickContentCheck($0) }) {
                if hasContent { self.countContentDelta() }
                return false
            }
            // The quick check found a `usage` or `error` key: parse.
        } else if !self.data.withUnsafeBufferPointer({ SSEEventInspector.mentionsInspectedKey($0) }) {
            return false
        }
        guard let facts = SSEEventInspector.inspect(self.data, wantModel: self.model == nil, wantError: self.error == nil) else { return false }
        if self.model == nil, let model = facts.model { self.model = model }
        if let usage = facts.usage { self.usage = usage }
        if self.error == nil, let error = facts.error { self.error = error }
        if facts.hasContent { self.countContentDelta() }
        guard self.removeUsageOnlyChunk && facts.isUsageOnly else { return false }
        self.removedUsageChunk = true
        return true
    }

    /// One more event carried generated output; the first one's time is the TTFT.
    private mutating func countContentDelta() {
        self.contentDeltas += 1
        if self.firstContentAt == nil { self.firstContentAt = self.now }
    }
}
