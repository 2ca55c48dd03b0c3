#if canImport(Glibc)
import Glibc
#endif

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

    /// `usage.prompt_tokens` / `usage.completion_tokens` of a JSON response body. vLLM puts
    /// `usage` near the end; the object after the last `"usage":` is parsed on its own, and
    /// the whole body only when that fails.
    static func jsonUsage(_ body: [UInt8]) -> TokenUsage? {
        if let start = lastUsageObject(in: body), let end = body.withUnsafeBufferPointer({ objectEnd($0, from: start) }) {
            // Only the usage object is copied and scanned (a few dozen bytes).
            let object = JSONScanner(Array(body[start..<end]))
            if let members = try? object.topLevelMembers() { return counts(object, members) }
        }
        return usageCounts(JSONScanner(body))
    }

    private static let usageKey: [UInt8] = Array("\"usage\":".utf8)

    /// The index of the `{` that follows the last `"usage":` in `body` (scanned backwards:
    /// vLLM puts `usage` near the end).
    private static func lastUsageObject(in body: [UInt8]) -> Int? {
        body.withUnsafeBufferPointer { bytes -> Int? in
            usageKey.withUnsafeBufferPointer { key -> Int? in
                var i = bytes.count - key.count
                while i >= 0 {
                    if bytes[i] == 0x22, memcmp(bytes.baseAddress! + i, key.baseAddress!, key.count) == 0 {
                        var j = i + key.count
                        while j < bytes.count, bytes[j] == 0x20 { j += 1 }
                        return j < bytes.count && bytes[j] == UInt8(ascii: "{") ? j : nil
                    }
                    i -= 1
                }
                return nil
            }
        }
    }

    /// Reads the counts from a whole body's top-level `usage`.
    private static func usageCounts(_ scanner: JSONScanner) -> TokenUsage? {
        guard let members = try? scanner.topLevelMembers(),
              let usage = members.last(where: { $0.key == "usage" })?.value, usage.kind == .object else { return nil }
        return counts(scanner, scanner.members(of: usage))
    }

    private static func counts(_ scanner: JSONScanner, _ members: [JSONMember]) -> TokenUsage {
        var prompt: Int?
        var completion: Int?
        for field in members {
            if field.key == "prompt_tokens" { prompt = scanner.int(field.value) }
            if field.key == "completion_tokens" { completion = scanner.int(field.value) }
        }
        return TokenUsage(promptTokens: prompt, completionTokens: completion)
    }

    /// The index just past the object that starts at `start` (strings and escapes respected).
    private static func objectEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for i in start..<bytes.count {
            let byte = bytes[i]
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default: break
            }
        }
        return nil
    }
}
