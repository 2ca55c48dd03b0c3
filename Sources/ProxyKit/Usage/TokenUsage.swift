/// The token counts of one OpenAI-style `usage` object, as vLLM reports them.
///
/// vLLM's key order is `prompt_tokens, total_tokens, completion_tokens`; `total_tokens` is not
/// kept because it is always the sum of the other two.
public struct TokenUsage: Sendable, Hashable {
    /// `usage.prompt_tokens`; nil when the key is absent or not a plain integer.
    public var promptTokens: Int?
    /// `usage.completion_tokens` (reasoning tokens included); nil when the key is absent or not a
    /// plain integer.
    public var completionTokens: Int?

    /// Counts of `promptTokens` prompt and `completionTokens` completion tokens.
    public init(promptTokens: Int?, completionTokens: Int?) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}
