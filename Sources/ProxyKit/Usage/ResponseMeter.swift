/// Watches an upstream response body as it is relayed: SSE bodies go through
/// `SSEUsageScanner` (which may drop the usage chunk the proxy asked for), other bodies are
/// kept (bounded) so their JSON `usage` can be read at the end.
struct ResponseMeter {
    /// Largest non-stream body kept for reading its usage. Default 8 MiB.
    static let maxKeptBodyBytes = 8 * 1024 * 1024

    private let status: Int
    private var scanner: SSEUsageScanner?
    private var kept: [UInt8] = []
    private var overflowed = false

    /// - Parameter removeUsageChunk: drop the usage-only chunk (the proxy injected the request
    ///   for it); only allowed when the client framing is re-computed (chunked / until close).
    init(head: HTTPResponseHead, removeUsageChunk: Bool) {
        status = head.status
        let contentType = head.headers[first: "Content-Type"] ?? ""
        if contentType.lowercasedASCII().hasPrefix("text/event-stream") {
            scanner = SSEUsageScanner(removeUsageOnlyChunk: removeUsageChunk)
        }
    }

    /// Feeds relayed body bytes; returns what to forward.
    mutating func feed(_ bytes: [UInt8], now: UInt64) -> [UInt8] {
        if scanner != nil { return scanner!.feed(bytes, now: now) }
        if !overflowed {
            if kept.count + bytes.count <= Self.maxKeptBodyBytes { kept += bytes } else { overflowed = true; kept = [] }
        }
        return bytes
    }

    /// Bytes still held at the end of the body.
    mutating func finish() -> [UInt8] {
        scanner != nil ? scanner!.finish() : []
    }

    var summary: MeteredResponse {
        if let scanner {
            var reason: String?
            if let error = scanner.error {
                reason = "stream_error" + (error.code.map { "_\($0)" } ?? "")
            }
            return MeteredResponse(status: status, streamed: true, usage: scanner.usage, contentDeltas: scanner.contentDeltas,
                                   firstContentAt: scanner.firstContentAt, sawDone: scanner.sawDone, streamErrorReason: reason)
        }
        return MeteredResponse(status: status, streamed: false, usage: overflowed ? nil : Self.jsonUsage(kept), contentDeltas: 0,
                               firstContentAt: nil, sawDone: false, streamErrorReason: nil)
    }

    /// `usage.prompt_tokens` / `usage.completion_tokens` of a JSON response body.
    static func jsonUsage(_ body: [UInt8]) -> TokenUsage? {
        let scanner = JSONScanner(body)
        guard let members = try? scanner.topLevelMembers(),
              let usage = members.last(where: { $0.key == "usage" })?.value, usage.kind == .object else { return nil }
        var prompt: Int?
        var completion: Int?
        for field in scanner.members(of: usage) {
            if field.key == "prompt_tokens" { prompt = scanner.int(field.value) }
            if field.key == "completion_tokens" { completion = scanner.int(field.value) }
        }
        return TokenUsage(promptTokens: prompt, completionTokens: completion)
    }
}
