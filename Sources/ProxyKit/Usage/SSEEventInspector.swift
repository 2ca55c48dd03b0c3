/// Reads the facts a metering proxy needs out of one complete SSE event's `data` payload.
///
/// Pure functions over bytes: the cheap byte checks run first, and only a payload that names one
/// of the interesting keys is validated with `JSONScanner`. Nothing here allocates for payloads
/// that fail the byte checks.
enum SSEEventInspector {
    /// What one event's JSON said.
    struct Facts: Sendable, Hashable {
        /// The top-level `model` string, when asked for and present.
        var model: String?
        /// The top-level `usage` object's counts; nil when there is no `usage` object.
        var usage: TokenUsage?
        /// Whether a choice carries a non-empty `delta.content`, `delta.reasoning`,
        /// `delta.reasoning_content` or `delta.tool_calls`, or a non-empty completions `text`.
        var hasContent = false
        /// Whether `choices` is an empty array and `usage` an object: the final usage-only chunk
        /// that `stream_options.include_usage` adds.
        var isUsageOnly = false
        /// The top-level `error` object (or string, as message), when asked for and present.
        var error: StreamError?
    }

    /// Whether `data` is exactly `[DONE]`, vLLM's end-of-stream sentinel.
    static func isDone(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        Self.matches(data, at: 0, "[DONE]") && data.count == 6
    }

    /// Whether `data` contains `"usage"`, `"choices"`, `"error"` or `"model"` (quotes included).
    /// One pass over the bytes; this gates the JSON parse.
    static func mentionsInspectedKey(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = data.count
        var i = 0
        while i + 1 < n {
            if data[i] == UInt8(ascii: "\"") {
                let found: Bool
                switch data[i + 1] {
                case UInt8(ascii: "u"): found = Self.matches(data, at: i + 1, "usage\"")
                case UInt8(ascii: "c"): found = Self.matches(data, at: i + 1, "choices\"")
                case UInt8(ascii: "e"): found = Self.matches(data, at: i + 1, "error\"")
                case UInt8(ascii: "m"): found = Self.matches(data, at: i + 1, "model\"")
                default: found = false
                }
                if found { return true }
            }
            i += 1
        }
        return false
    }

    /// For an event without `"usage"` or `"error"` keys: whether it carries generated output
    /// (`"content"`, `"reasoning"`, `"reasoning_content"` or `"text"` with a non-empty string, or
    /// a non-empty `"tool_calls"` array). Nil when the event names `usage` or `error` and needs
    /// the full parse. Inside a JSON string every quote is escaped, so an unescaped `"key":`
    /// byte sequence can only be a key.
    static func quickContentCheck(_ data: UnsafeBufferPointer<UInt8>) -> Bool? {
        let n = data.count
        var hasContent = false
        // Quote to quote, a word at a time; whether a quote is escaped is only worked out for
        // the few that open one of the keys below.
        var i = ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: data, from: 0)
        while i + 1 < n {
            switch Self.key(in: data, afterQuoteAt: i) {
            case .usageOrError?:
                if !Self.isEscaped(data, at: i) { return nil }
            case .content(let keyLength)?:
                if !hasContent && !Self.isEscaped(data, at: i) {
                    hasContent = Self.keyHasContent(data, afterKeyAt: i + keyLength + 2, isToolCalls: keyLength == 10)
                }
            case nil:
                break
            }
            i = ByteSearch.firstIndex(of: UInt8(ascii: "\""), in: data, from: i + 1)
        }
        return hasContent
    }

    /// A key the quick check looks for, opened by a quote.
    enum QuickKey: Equatable {
        /// `usage` or `error`: the event needs the full parse.
        case usageOrError
        /// `content`, `text`, `tool_calls`, `reasoning` or `reasoning_content` (the name's length).
        case content(Int)
    }

    /// The eight bytes of the keys' names (with the closing quote where it fits), as words
    /// whose lowest byte is the first (`ByteSearchTests` checks them against the text).
    static let contentWord: UInt64 = 0x2274_6E65_746E_6F63  // content"
    static let usageWord: UInt64 = 0x2265_6761_7375  // usage"
    static let errorWord: UInt64 = 0x2272_6F72_7265  // error"
    static let textWord: UInt64 = 0x22_7478_6574  // text"
    static let toolCalWord: UInt64 = 0x6C61_635F_6C6F_6F74  // tool_cal
    static let reasoninWord: UInt64 = 0x6E69_6E6F_7361_6572  // reasonin

    /// Which key, if any, the bytes after the quote at `quote` name: the next eight bytes are
    /// compared as one word (a byte switch here costs a mispredicted jump per quote).
    @inline(__always)
    static func key(in data: UnsafeBufferPointer<UInt8>, afterQuoteAt quote: Int) -> QuickKey? {
        let w = ByteSearch.paddedWord(data, at: quote + 1)
        if w == contentWord { return .content(7) }
        let six = w & 0xFFFF_FFFF_FFFF
        if six == usageWord || six == errorWord { return .usageOrError }
        if w & 0xFF_FFFF_FFFF == textWord { return .content(4) }
        if w == toolCalWord { return Self.matches(data, at: quote + 9, "ls\"") ? .content(10) : nil }
        if w == reasoninWord {
            if Self.matches(data, at: quote + 9, "g\"") { return .content(9) }
            if Self.matches(data, at: quote + 9, "g_content\"") { return .content(17) }
        }
        return nil
    }

    /// After a content key's closing quote (at `start`): optional spaces, a colon, optional
    /// spaces, then a non-empty string (or, for `tool_calls`, a non-empty array).
    private static func keyHasContent(_ data: UnsafeBufferPointer<UInt8>, afterKeyAt start: Int, isToolCalls: Bool) -> Bool {
        let n = data.count
        func skipSpace(_ k: inout Int) {
            while k < n, data[k] == 0x20 || data[k] == 0x09 || data[k] == 0x0A || data[k] == 0x0D { k += 1 }
        }
        var j = start
        skipSpace(&j)
        guard j < n, data[j] == UInt8(ascii: ":") else { return false }
        j += 1
        skipSpace(&j)
        guard j + 1 < n else { return false }
        if isToolCalls {
            var k = j + 1
            skipSpace(&k)
            return data[j] == UInt8(ascii: "[") && k < n && data[k] != UInt8(ascii: "]")
        }
        return data[j] == UInt8(ascii: "\"") && data[j + 1] != UInt8(ascii: "\"")
    }

    /// Whether the quote at `index` is escaped (preceded by an odd number of backslashes).
    private static func isEscaped(_ data: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        var backslashes = 0
        var j = index - 1
        while j >= 0, data[j] == UInt8(ascii: "\\") {
            backslashes += 1
            j -= 1
        }
        return backslashes % 2 == 1
    }

    /// The facts in `data`, or nil when it is not a valid JSON object.
    /// - Parameters:
    ///   - wantModel: whether to decode the `model` string (only the first one is kept).
    ///   - wantError: whether to decode an `error` member (only the first one is kept).
    static func inspect(_ data: [UInt8], wantModel: Bool, wantError: Bool) -> Facts? {
        let scanner = JSONScanner(data)
        guard let members = try? scanner.topLevelMembers() else { return nil }
        var facts = Facts()
        var choicesAreEmpty = false
        for member in members {
            let value = member.value
            switch member.key {
            case "model":
                if wantModel && facts.model == nil { facts.model = scanner.string(value) }
            case "usage":
                if value.kind == .object { facts.usage = Self.usage(scanner, value) }
            case "choices":
                guard value.kind == .array else { break }
                let choices = scanner.elements(of: value)
                choicesAreEmpty = choices.isEmpty
                if !facts.hasContent {
                    facts.hasContent = choices.contains { Self.choiceHasContent(scanner, $0) }
                }
            case "error":
                if wantError && facts.error == nil { facts.error = Self.error(scanner, value) }
            default:
                break
            }
        }
        facts.isUsageOnly = choicesAreEmpty && facts.usage != nil
        return facts
    }

    // MARK: - Members

    private static func usage(_ scanner: JSONScanner, _ object: JSONValueRef) -> TokenUsage {
        var usage = TokenUsage(promptTokens: nil, completionTokens: nil)
        for member in scanner.members(of: object) {
            switch member.key {
            case "prompt_tokens": usage.promptTokens = scanner.int(member.value)
            case "completion_tokens": usage.completionTokens = scanner.int(member.value)
            default: break
            }
        }
        return usage
    }

    /// Whether one element of `choices` carries generated output.
    private static func choiceHasContent(_ scanner: JSONScanner, _ choice: JSONValueRef) -> Bool {
        for member in scanner.members(of: choice) {
            switch member.key {
            case "text":
                if Self.isNonEmptyString(member.value) { return true }
            case "delta":
                for field in scanner.members(of: member.value) {
                    switch field.key {
                    case "content", "reasoning", "reasoning_content":
                        if Self.isNonEmptyString(field.value) { return true }
                    case "tool_calls":
                        if field.value.kind == .array && !scanner.elements(of: field.value).isEmpty { return true }
                    default:
                        break
                    }
                }
            default:
                break
            }
        }
        return false
    }

    private static func error(_ scanner: JSONScanner, _ value: JSONValueRef) -> StreamError? {
        if value.kind == .string {
            return StreamError(message: scanner.string(value), type: nil, code: nil)
        }
        guard value.kind == .object else { return nil }
        var error = StreamError(message: nil, type: nil, code: nil)
        for member in scanner.members(of: value) {
            switch member.key {
            case "message": error.message = scanner.string(member.value)
            case "type": error.type = scanner.string(member.value)
            case "code": error.code = scanner.int(member.value) ?? scanner.string(member.value).flatMap { Int($0) }
            default: break
            }
        }
        return error
    }

    /// A string value with at least one character (its range includes the two quotes).
    private static func isNonEmptyString(_ value: JSONValueRef) -> Bool {
        value.kind == .string && value.range.count > 2
    }

    /// Whether `literal` is spelled in `data` starting at `start`.
    private static func matches(_ data: UnsafeBufferPointer<UInt8>, at start: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard start + count <= data.count else { return false }
        let expected = literal.utf8Start
        for k in 0..<count where data[start + k] != expected[k] { return false }
        return true
    }
}
