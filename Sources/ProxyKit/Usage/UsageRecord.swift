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
        // Static helpers over `inout`, not nested functions capturing `out`: a captured local
        // is boxed on the heap and every access to it is checked for exclusivity at run time.
        var out: [UInt8] = []
        out.reserveCapacity(320)
        Self.raw("{\"ts\":\"", &out)
        var stamp = UTCTimestamp.cachedFormat(secondsSinceEpoch: ts)
        stamp.withUTF8 { out.append(contentsOf: $0) }
        Self.raw("\",\"user\":", &out); Self.string(user, &out)
        Self.raw(",\"model\":", &out); Self.string(model, &out)
        Self.raw(",\"prompt_tokens\":", &out); Self.int(promptTokens, &out)
        Self.raw(",\"completion_tokens\":", &out); Self.int(completionTokens, &out)
        Self.raw(",\"duration_ms\":", &out); Self.int(durationMs, &out)
        Self.raw(",\"request_id\":", &out); Self.string(requestID, &out)
        Self.raw(",\"key_id\":", &out); Self.string(keyID, &out)
        Self.raw(",\"status\":", &out); Self.int(status, &out)
        Self.raw(stream ? ",\"stream\":true,\"ttft_ms\":" : ",\"stream\":false,\"ttft_ms\":", &out); Self.int(ttftMs, &out)
        Self.raw(",\"usage_source\":", &out); Self.string(usageSource.rawValue, &out)
        Self.raw(",\"reason\":", &out); Self.string(reason, &out)
        Self.raw(",\"client_ip\":", &out); Self.string(clientIP, &out)
        Self.raw("}\n", &out)
        return out
    }

    private static func raw(_ text: StaticString, _ out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    private static func string(_ value: String?, _ out: inout [UInt8]) {
        guard let value else { return raw("null", &out) }
        JSONText.appendQuoted(value, to: &out)
    }

    private static func int(_ value: Int?, _ out: inout [UInt8]) {
        guard let value else { return raw("null", &out) }
        HTTPEncoder.appendDecimal(value, to: &out)
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
