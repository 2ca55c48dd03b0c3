/// An error that vLLM reported inside a `200` event stream, after the headers were sent:
/// `data: {"error":{"message":…,"type":…,"param":…,"code":500}}`, followed by `data: [DONE]`.
public struct StreamError: Sendable, Hashable {
    /// `error.message`, e.g. `Internal server error`; nil when absent or not a string.
    public var message: String?
    /// `error.type`, e.g. `InternalServerError`; nil when absent or not a string.
    public var type: String?
    /// `error.code` (500, or 503 for a retryable engine error), read from an integer or a numeric
    /// string; nil otherwise.
    public var code: Int?

    /// An error with the given `message`, `type` and `code`.
    public init(message: String?, type: String?, code: Int?) {
        self.message = message
        self.type = type
        self.code = code
    }
}
