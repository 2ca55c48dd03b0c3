/// What the proxy learned from an upstream response while relaying it.
public struct MeteredResponse: Sendable, Hashable {
    public var status: Int
    /// Whether the response was an SSE stream.
    public var streamed: Bool
    /// The upstream's usage, if it sent one.
    public var usage: TokenUsage?
    /// Content deltas relayed (streams).
    public var contentDeltas: Int
    /// Monotonic nanoseconds of the first content delta (streams).
    public var firstContentAt: UInt64?
    /// A `data: [DONE]` was seen.
    public var sawDone: Bool
    /// The stream carried an error event: a short reason for the usage record.
    public var streamErrorReason: String?
}
