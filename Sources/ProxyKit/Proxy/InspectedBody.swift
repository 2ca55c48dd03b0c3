#if canImport(Glibc)
import Glibc
#endif

/// Reads the few request-body fields the proxy acts on, without building an object tree and
/// without touching the bytes that are forwarded.
public struct InspectedBody: Sendable, Hashable {
    /// The top-level `model`, when it is a string.
    public var model: String?
    /// `stream: true`.
    public var stream = false
    /// `stream_options.include_usage: true`.
    public var includeUsage = false
    /// `max_completion_tokens` when non-null, else `max_tokens` (vLLM's precedence).
    public var maxTokens: Int?
    /// Bytes of the raw `messages` / `prompt` / `input` JSON, the basis of the estimate.
    public var promptBytes = 0

    /// Where `stream_options` is, and where the top-level object's last member ends (for the
    /// `include_usage` splice).
    var streamOptions: JSONValueRef?
    var lastMemberEnd = 0

    /// The top-level fields read here. Each may appear once (a duplicate is an ambiguity vLLM
    /// would resolve differently from us, so it is refused): the raw value is its bit in a
    /// mask, so no set is allocated or hashed per request.
    enum Field: UInt8 {
        case model = 1, stream = 2, streamOptions = 4, maxTokens = 8, maxCompletionTokens = 16
        case messages = 32, prompt = 64, input = 128

        /// The field a (decoded) key names, if any: one switch on the key's UTF-8 length, then
        /// one byte comparison, instead of a chain of string comparisons per member.
        static func named(_ key: String) -> Field? {
            var key = key
            return key.withUTF8 { p -> Field? in
                func equals(_ literal: StaticString) -> Bool { memcmp(p.baseAddress!, literal.utf8Start, p.count) == 0 }
                switch p.count {
                case 5 where equals("model"): return .model
                case 5 where equals("input"): return .input
                case 6 where equals("stream"): return .stream
                case 6 where equals("prompt"): return .prompt
                case 8 where equals("messages"): return .messages
                case 10 where equals("max_tokens"): return .maxTokens
                case 14 where equals("stream_options"): return .streamOptions
                case 21 where equals("max_completion_tokens"): return .maxCompletionTokens
                default: return nil
                }
            }
        }
    }

    /// Validates `body` as one JSON object and reads its fields; 400 `invalid_json` otherwise.
    public init(body: [UInt8]) throws(OpenAIError) {
        let scanner = JSONScanner(body)
        let members: [JSONMember]
        do { members = try scanner.topLevelMembers() } catch {
            throw .badRequest("The request body is not a valid JSON object: \(error.message)", code: "invalid_json")
        }
        var seen: UInt8 = 0
        var maxTokensField: Int?
        var maxCompletionTokensField: Int?
        defer { maxTokens = maxCompletionTokensField ?? maxTokensField }
        for member in members {
            lastMemberEnd = max(lastMemberEnd, member.value.range.upperBound)
            guard let field = Field.named(member.key) else { continue }
            if seen & field.rawValue != 0 {
                throw .badRequest("The request body has more than one \"\(member.key)\" field.", code: "invalid_json")
            }
            seen |= field.rawValue
            let value = member.value
            switch field {
            case .model: model = scanner.string(value)
            case .stream: stream = scanner.bool(value) ?? false
            case .streamOptions:
                streamOptions = value
                if value.kind == .object {
                    includeUsage = scanner.members(of: value).last { $0.key == "include_usage" }.flatMap { scanner.bool($0.value) } ?? false
                }
            case .maxTokens: maxTokensField = scanner.int(value)
            case .maxCompletionTokens: maxCompletionTokensField = scanner.int(value)
            case .messages, .prompt, .input:
                // The raw JSON of the prompt, structure included: no second pass over a body
                // that may be megabytes (the estimate only matters when vLLM reports no usage).
                promptBytes += value.range.count
            }
        }
    }

    /// A cheap prompt-size estimate in tokens: about 4 bytes per token over the prompt's raw
    /// JSON (its keys and quotes stand in for the chat template's tokens). Used only when the
    /// upstream reports no usage.
    public var estimatedPromptTokens: Int { (promptBytes + 3) / 4 }

    /// Whether the proxy must ask for usage on the client's behalf.
    public var needsUsageInjection: Bool { stream && !includeUsage }

    /// `body` with `stream_options.include_usage` set to true, spliced in place: every other
    /// byte is the client's.
    public func injectingIncludeUsage(into body: [UInt8]) -> [UInt8] {
        let scanner = JSONScanner(body)
        func splice(_ range: Range<Int>, _ text: String) -> [UInt8] {
            var out = body
            out.replaceSubrange(range, with: Array(text.utf8))
            return out
        }
        guard let options = streamOptions else {
            return splice(lastMemberEnd..<lastMemberEnd, #","stream_options":{"include_usage":true}"#)
        }
        guard options.kind == .object else { return splice(options.range, #"{"include_usage":true}"#) }
        let members = scanner.members(of: options)
        if let existing = members.last(where: { $0.key == "include_usage" }) {
            return splice(existing.value.range, "true")
        }
        let afterBrace = options.range.lowerBound + 1
        return splice(afterBrace..<afterBrace, members.isEmpty ? #""include_usage":true"# : #""include_usage":true,"#)
    }
}
