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

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>, users: inout NameTable, models: inout NameTable) -> UsageSample? {
        guard let p = line.baseAddress else { return nil }
        let n = line.count
        var i = 0

        func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard n - i >= count, memcmp(p + i, text.utf8Start, count) == 0 else { return false }
            i += count
            return true
        }
        /// A plain string's contents (start, count), count -1 for null; nil when not plain.
        func string() -> (Int, Int)? {
            if literal("null") { return (i, -1) }
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
            return (start, j - start)
        }
        /// A non-negative integer without leading zeros, at most 18 digits; -1 for null.
        func integer(nullable: Bool) -> Int? {
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
        func name(_ field: (Int, Int), in table: inout NameTable) -> Int32 {
            field.1 < 0 ? -1 : table.id(for: UnsafeBufferPointer(start: p + field.0, count: field.1))
        }

        guard literal("{\"ts\":\""), n - i > 20, let ts = timestamp(p + i) else { return nil }
        i += 20
        guard literal("\",\"user\":"), let user = string(),
              literal(",\"model\":"), let model = string(),
              literal(",\"prompt_tokens\":"), let prompt = integer(nullable: true),
              literal(",\"completion_tokens\":"), let completion = integer(nullable: true),
              literal(",\"duration_ms\":"), let duration = integer(nullable: false),
              literal(",\"request_id\":"), let requestID = string(), requestID.1 >= 0,
              literal(",\"key_id\":"), string() != nil,
              literal(",\"status\":"), let status = integer(nullable: false),
              literal(",\"stream\":") else { return nil }
        let stream: Bool
        if literal("true") { stream = true } else if literal("false") { stream = false } else { return nil }
        guard literal(",\"ttft_ms\":"), let ttft = integer(nullable: true),
              literal(",\"usage_source\":"), literal("\"upstream\"") || literal("\"estimated\"") || literal("\"none\""),
              literal(",\"reason\":"), let reason = string(),
              literal(",\"client_ip\":"), string() != nil,
              literal("}"), i == n else { return nil }
        return UsageSample(
            ts: ts, user: name(user, in: &users), model: name(model, in: &models), promptTokens: prompt,
            completionTokens: completion, durationMs: duration, status: status, ttftMs: ttft, stream: stream,
            reason: reason.1 < 0 ? .other : LimitReason(bytes: UnsafeBufferPointer(start: p + reason.0, count: reason.1)))
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
