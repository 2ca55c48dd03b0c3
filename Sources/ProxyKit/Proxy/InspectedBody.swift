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

    /// The fields read here, each as one bit; each may appear once (a duplicate is an ambiguity
    /// vLLM would resolve differently from us, so it is refused). A switch and a bit mask: no
    /// set to allocate or hash per request.
    static func fieldBit(_ key: String) -> UInt8? {
        switch key {
        case "model": 1 << 0
        case "stream": 1 << 1
        case "stream_options": 1 << 2
        case "max_tokens": 1 << 3
        case "max_completion_tokens": 1 << 4
        case "messages": 1 << 5
        case "prompt": 1 << 6
        case "input": 1 << 7
        default: nil
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
            guard let bit = Self.fieldBit(member.key) else { continue }
            if seen & bit != 0 {
                throw .badRequest("The request body has more than one \"\(member.key)\" field.", code: "invalid_json")
            }
            seen |= bit
            let value = member.value
            switch member.key {
            case "model": model = scanner.string(value)
            case "stream": stream = scanner.bool(value) ?? false
            case "stream_options":
                streamOptions = value
                if value.kind == .object {
                    includeUsage = scanner.members(of: value).last { $0.key == "include_usage" }.flatMap { scanner.bool($0.value) } ?? false
                }
            case "max_tokens": maxTokensField = scanner.int(value)
            case "max_completion_tokens": maxCompletionTokensField = scanner.int(value)
            case "messages", "prompt", "input":
                // The raw JSON of the prompt, structure included: no second pass over a body
                // that may be megabytes (the estimate only matters when vLLM reports no usage).
                promptBytes += value.range.count
            default: break
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
