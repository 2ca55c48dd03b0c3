/// One request's usage: a line of the JSONL journal and a row of the SQLite index. The JSONL
/// key order is a public contract (README): the seed's six keys first, then the extras.
/// `nil` is written as `null`: an unknown value is never made up.
public struct UsageRecord: Sendable, Hashable {
    /// Where the token counts came from.
    public enum Source: String, Sendable, Hashable, Codable {
        /// The upstream's `usage` (final SSE usage chunk or the JSON body).
        case upstream
        /// The stream ended without usage: prompt from the request estimate, completion from
        /// the deltas relayed.
        case estimated
        /// No tokens were generated (rejected, or failed before the upstream answered).
        case none
    }

    /// Unix seconds (UTC) when the request finished.
    public var ts: Int
    /// The authenticated user, nil when unauthenticated.
    public var user: String?
    /// The model the request asked for.
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var durationMs: Int
    public var requestID: String
    /// The key's public id.
    public var keyID: String?
    public var status: Int
    public var stream: Bool
    /// Milliseconds to the first content delta (streams only).
    public var ttftMs: Int?
    public var usageSource: Source
    /// Why the request was rejected or cut short; nil for a clean success.
    public var reason: String?
    public var clientIP: String?

    public init(
        ts: Int, user: String?, model: String?, promptTokens: Int?, completionTokens: Int?, durationMs: Int,
        requestID: String, keyID: String?, status: Int, stream: Bool, ttftMs: Int?, usageSource: Source,
        reason: String?, clientIP: String?
    ) {
        self.ts = ts
        self.user = user
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.durationMs = durationMs
        self.requestID = requestID
        self.keyID = keyID
        self.status = status
        self.stream = stream
        self.ttftMs = ttftMs
        self.usageSource = usageSource
        self.reason = reason
        self.clientIP = clientIP
    }

    /// The journal line, newline included, keys in contract order. Built straight into bytes:
    /// it is written once per request.
    public var jsonLine: [UInt8] {
        // Sized once, written through a pointer: no per-piece append bookkeeping.
        let bound = 360 + ByteWriter.quotedBound(user) + ByteWriter.quotedBound(model) + ByteWriter.quotedBound(requestID)
            + ByteWriter.quotedBound(keyID) + ByteWriter.quotedBound(reason) + ByteWriter.quotedBound(clientIP)
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            var out = ByteWriter(buffer)
            out.write("{\"ts\":\"")
            var stamp = UTCTimestamp.cachedFormat(secondsSinceEpoch: ts)
            stamp.withUTF8 { out.write($0) }
            out.write("\",\"user\":"); out.writeQuoted(user)
            out.write(",\"model\":"); out.writeQuoted(model)
            out.write(",\"prompt_tokens\":"); Self.write(promptTokens, &out)
            out.write(",\"completion_tokens\":"); Self.write(completionTokens, &out)
            out.write(",\"duration_ms\":"); out.writeDecimal(durationMs)
            out.write(",\"request_id\":"); out.writeQuoted(requestID)
            out.write(",\"key_id\":"); out.writeQuoted(keyID)
            out.write(",\"status\":"); out.writeDecimal(status)
            out.write(stream ? ",\"stream\":true,\"ttft_ms\":" : ",\"stream\":false,\"ttft_ms\":"); Self.write(ttftMs, &out)
            // The raw value is a literal: written as bytes, no allocation; one table of names.
            var source = usageSource.rawValue
            out.write(",\"usage_source\":\""); source.withUTF8 { out.write($0) }
            out.write("\",\"reason\":"); out.writeQuoted(reason)
            out.write(",\"client_ip\":"); out.writeQuoted(clientIP)
            out.write("}\n")
            initialized = out.count
        }
    }

    private static func write(_ value: Int?, _ out: inout ByteWriter) {
        if let value { out.writeDecimal(value) } else { out.write("null") }
    }

    /// Parses one journal line (without its newline); nil when it is not a usage record.
    public init?(jsonLine line: [UInt8]) {
        let scanner = JSONScanner(line)
        guard let members = try? scanner.topLevelMembers() else { return nil }
        var fields: [String: JSONValueRef] = [:]
        for member in members { fields[member.key] = member.value }
        func string(_ key: String) -> String? { fields[key].flatMap { scanner.string($0) } }
        func int(_ key: String) -> Int? { fields[key].flatMap { scanner.int($0) } }
        guard let tsText = string("ts"), let ts = TimeSpec.date(tsText), let duration = int("duration_ms"),
              let requestID = string("request_id"), let status = int("status"),
              let source = string("usage_source").flatMap(Source.init(rawValue:)) else { return nil }
        self.init(
            ts: ts, user: string("user"), model: string("model"), promptTokens: int("prompt_tokens"),
            completionTokens: int("completion_tokens"), durationMs: duration, requestID: requestID, keyID: string("key_id"),
            status: status, stream: fields["stream"].flatMap { scanner.bool($0) } ?? false, ttftMs: int("ttft_ms"),
            usageSource: source, reason: string("reason"), clientIP: string("client_ip"))
    }
}
