#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims

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
        let isEventStream = head.headers.firstIndex(ofName: "Content-Type").map { index in
            head.headers.withValueBytes(at: index) { $0.count >= 17 && HTTPHeadScanner.equalsLowercase($0, 0, 17, "text/event-stream") }
        } ?? false
        if isEventStream {
            scanner = SSEUsageScanner(removeUsageOnlyChunk: removeUsageChunk)
        }
    }

    /// Feeds relayed body bytes; returns what to forward.
    mutating func feed(_ bytes: [UInt8], now: UInt64) -> [UInt8] {
        if scanner != nil { return scanner!.feed(bytes, now: now) }
        if !overflowed {
            // A body that arrives in one piece is kept as that array (shared, not copied).
            if kept.count + bytes.count > Self.maxKeptBodyBytes {
                overflowed = true
                kept = []
            } else if kept.isEmpty {
                kept = bytes
            } else {
                kept += bytes
            }
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
    /// `usage` near the end, as a flat object: the object after the last `"usage":` is read in
    /// place, and the whole body is scanned only when that fails.
    static func jsonUsage(_ body: [UInt8]) -> TokenUsage? {
        let fast = body.withUnsafeBufferPointer { p -> TokenUsage? in
            guard let start = lastUsageObject(in: p) else { return nil }
            return flatObjectCounts(p, from: start)
        }
        return fast ?? usageCounts(JSONScanner(body))
    }

    /// The index of the `{` that follows the last `"usage":` in `bytes`, found by jumping
    /// backwards from colon to colon (`memrchr`).
    private static func lastUsageObject(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let key = (UInt64(0x22) | UInt64(UInt8(ascii: "u")) << 8 | UInt64(UInt8(ascii: "s")) << 16 | UInt64(UInt8(ascii: "a")) << 24
            | UInt64(UInt8(ascii: "g")) << 32 | UInt64(UInt8(ascii: "e")) << 40 | UInt64(0x22) << 48 | UInt64(UInt8(ascii: ":")) << 56)
        var searchEnd = bytes.count
        while searchEnd > 7, let found = ds4_memrchr(base, Int32(UInt8(ascii: ":")), searchEnd) {
            let colon = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            searchEnd = colon
            guard colon >= 7, UnsafeRawPointer(base + colon - 7).loadUnaligned(as: UInt64.self) == UInt64(littleEndian: key) else { continue }
            var j = colon + 1
            while j < bytes.count, bytes[j] == 0x20 { j += 1 }
            return j < bytes.count && bytes[j] == UInt8(ascii: "{") ? j : nil
        }
        return nil
    }

    /// The counts in the object at `p[start]` when its keys have no escapes and its members
    /// are well formed; nested values are skipped. Nil means "read it the slow way".
    private static func flatObjectCounts(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> TokenUsage? {
        let n = p.count
        func skipSpace(_ i: inout Int) { while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 } }
        var prompt: Int?
        var completion: Int?
        var i = start + 1
        skipSpace(&i)
        if i < n, p[i] == UInt8(ascii: "}") { return TokenUsage(promptTokens: nil, completionTokens: nil) }
        while true {
            guard i < n, p[i] == 0x22 else { return nil }
            let keyStart = i + 1
            var keyEnd = keyStart
            while keyEnd < n, p[keyEnd] != 0x22 {
                if p[keyEnd] == 0x5C || p[keyEnd] < 0x20 { return nil }
                keyEnd += 1
            }
            i = keyEnd + 1
            skipSpace(&i)
            guard i < n, p[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace(&i)
            guard i < n else { return nil }
            let valueStart = i
            switch p[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard let end = objectEnd(p, from: i) else { return nil }
                i = end
            case 0x22:
                i += 1
                while i < n, p[i] != 0x22 { i += p[i] == 0x5C ? 2 : 1 }
                guard i < n else { return nil }
                i += 1
            default:
                while i < n, p[i] != UInt8(ascii: ","), p[i] != UInt8(ascii: "}"), p[i] != 0x20, p[i] != 0x0A, p[i] != 0x0D, p[i] != 0x09 { i += 1 }
            }
            let isPrompt = equals(p, keyStart, keyEnd, "prompt_tokens")
            if isPrompt || equals(p, keyStart, keyEnd, "completion_tokens") {
                // Anything but a plain integer (null, a fraction, a malformed number) is left
                // to the strict scan of the whole body, which decides as it always did.
                guard let value = integer(p, valueStart..<i) else { return nil }
                if isPrompt { prompt = value } else { completion = value }
            }
            skipSpace(&i)
            guard i < n else { return nil }
            if p[i] == UInt8(ascii: "}") { return TokenUsage(promptTokens: prompt, completionTokens: completion) }
            guard p[i] == UInt8(ascii: ",") else { return nil }
            i += 1
            skipSpace(&i)
        }
    }

    /// Whether `p[start..<end]` is exactly `text` (JSON keys are case-sensitive).
    private static func equals(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ text: StaticString) -> Bool {
        end - start == text.utf8CodeUnitCount && memcmp(p.baseAddress! + start, text.utf8Start, end - start) == 0
    }

    /// A JSON integer that fits an `Int` (`-`? digits without a leading zero, no fraction or
    /// exponent), or nil.
    private static func integer(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var i = range.lowerBound
        let negative = i < range.upperBound && p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < range.upperBound, p[i] != 0x30 || range.upperBound - i == 1 else { return nil }
        var value = 0
        while i < range.upperBound {
            let digit = Int(p[i] &- 0x30)
            guard digit <= 9, value <= (Int.max - digit) / 10 else { return nil }
            value = value * 10 + digit
            i += 1
        }
        return negative ? -value : value
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
