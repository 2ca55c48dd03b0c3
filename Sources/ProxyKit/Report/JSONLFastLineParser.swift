import Glibc

/// Parses a journal line written by `UsageRecord.jsonLine` — the proxy's own key order, plain
/// ASCII strings without escapes — in one pass over its bytes, without allocating. Any line that
/// differs in the slightest (other key order, extra keys, whitespace, escapes, non-ASCII,
/// negative or huge numbers) returns nil and goes to the general parser, so the fast path only
/// decides lines that parser would read the same way.
struct JSONLFastLineParser {
    /// `YYYYMMDD` of the last date parsed and its midnight in Unix seconds: journal lines come
    /// in time order, so the calendar work is done about once a day of records.
    private var cachedDay = -1
    private var cachedDayStart = 0

    /// What one line turned out to be.
    enum Outcome {
        case inWindow(UsageSample)
        /// A valid record outside the window (its names are not interned).
        case outsideWindow
        /// Not the proxy's own layout: ask the general parser.
        case declined
    }

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>, window: ReportWindow, users: inout NameTable,
                        models: inout NameTable) -> Outcome {
        guard let sample = parse(line, window: window, &users, &models) else { return .declined }
        return sample.ts == Int.min ? .outsideWindow : .inWindow(sample)
    }

    /// The sample, with `ts` = Int.min for a valid line outside the window; nil when declined.
    private mutating func parse(_ line: UnsafeBufferPointer<UInt8>, window: ReportWindow, _ users: inout NameTable,
                                _ models: inout NameTable) -> UsageSample? {
        guard let base = line.baseAddress else { return nil }
        var c = LineCursor(p: base, n: line.count)
        guard c.literal("{\"ts\":\""), c.n - c.i > 20, let ts = timestamp(base + c.i) else { return nil }
        c.i += 20
        guard c.literal("\",\"user\":"), let user = c.string(),
              c.literal(",\"model\":"), let model = c.string(),
              c.literal(",\"prompt_tokens\":"), let prompt = c.integer(nullable: true),
              c.literal(",\"completion_tokens\":"), let completion = c.integer(nullable: true),
              c.literal(",\"duration_ms\":"), let duration = c.integer(nullable: false),
              c.literal(",\"request_id\":"), let requestID = c.string(), requestID.count >= 0,
              c.literal(",\"key_id\":"), c.string() != nil,
              c.literal(",\"status\":"), let status = c.integer(nullable: false),
              c.literal(",\"stream\":") else { return nil }
        let stream: Bool
        if c.literal("true") { stream = true } else if c.literal("false") { stream = false } else { return nil }
        guard c.literal(",\"ttft_ms\":"), let ttft = c.integer(nullable: true),
              c.literal(",\"usage_source\":"), c.literal("\"upstream\"") || c.literal("\"estimated\"") || c.literal("\"none\""),
              c.literal(",\"reason\":"), let reason = c.string(),
              c.literal(",\"client_ip\":"), c.string() != nil,
              c.literal("}"), c.i == c.n else { return nil }
        guard window.contains(ts) else {
            return UsageSample(ts: .min, user: -1, model: -1, promptTokens: -1, completionTokens: -1, durationMs: 0, status: 0,
                               ttftMs: -1, stream: false, reason: .other)
        }
        return UsageSample(
            ts: ts, user: user.intern(base, in: &users), model: model.intern(base, in: &models), promptTokens: prompt,
            completionTokens: completion, durationMs: duration, status: status, ttftMs: ttft, stream: stream,
            reason: reason.count < 0 ? .other : LimitReason(bytes: UnsafeBufferPointer(start: base + reason.start, count: reason.count)))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` at `t` (20 bytes) as Unix seconds; nil when it is not exactly that.
    private mutating func timestamp(_ t: UnsafePointer<UInt8>) -> Int? {
        func digits(_ at: Int, _ count: Int) -> Int? {
            var value = 0
            for k in at..<(at + count) {
                let d = Int(t[k]) - 0x30
                guard d >= 0 && d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard t[4] == 0x2D, t[7] == 0x2D, t[10] == 0x54, t[13] == 0x3A, t[16] == 0x3A, t[19] == 0x5A,
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              hour < 24, minute < 60, second < 60 else { return nil }
        let dayKey = year * 10_000 + month * 100 + day
        if dayKey != cachedDay {
            // TimeSpec.date is the general parser's own date rule (range and calendar checks).
            guard let start = TimeSpec.date(String(decoding: UnsafeBufferPointer(start: t, count: 10), as: UTF8.self)) else {
                return nil
            }
            cachedDay = dayKey
            cachedDayStart = start
        }
        return cachedDayStart + hour * 3600 + minute * 60 + second
    }
}

/// A string value's place in the line; `count` -1 for `null`.
private struct StringField {
    let start: Int
    let count: Int

    func intern(_ base: UnsafePointer<UInt8>, in table: inout NameTable) -> Int32 {
        count < 0 ? -1 : table.id(for: UnsafeBufferPointer(start: base + start, count: count))
    }
}

/// The read position in one line. A struct with mutating methods rather than closures over a
/// local index: captured variables cost a dynamic exclusivity check per access, which was half
/// the parse time.
private struct LineCursor {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i = 0

    init(p: UnsafePointer<UInt8>, n: Int) {
        self.p = p
        self.n = n
    }

    @inline(__always)
    mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard n - i >= count else { return false }
        let q = text.utf8Start
        for k in 0..<count where p[i + k] != q[k] { return false }
        i += count
        return true
    }

    /// A plain string (printable ASCII without quotes or backslashes); nil when not plain.
    mutating func string() -> StringField? {
        if literal("null") { return StringField(start: i, count: -1) }
        guard i < n, p[i] == 0x22 else { return nil }
        let start = i + 1
        var j = start
        while j < n {
            let byte = p[j]
            if byte == 0x22 { break }
            guard byte >= 0x20, byte < 0x7F, byte != 0x5C else { return nil }
            j += 1
        }
        guard j < n else { return nil }
        i = j + 1
        return StringField(start: start, count: j - start)
    }

    /// A non-negative integer without leading zeros, at most 18 digits; -1 for null.
    mutating func integer(nullable: Bool) -> Int? {
        if nullable && literal("null") { return -1 }
        var value = 0
        let start = i
        while i < n, p[i] >= 0x30, p[i] <= 0x39, i - start < 18 {
            value = value * 10 + Int(p[i] - 0x30)
            i += 1
        }
        let digits = i - start
        guard digits > 0, !(digits > 1 && p[start] == 0x30), !(i < n && p[i] >= 0x30 && p[i] <= 0x39) else { return nil }
        return value
    }
}
