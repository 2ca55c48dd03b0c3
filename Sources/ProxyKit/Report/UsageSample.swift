/// One usage record as the aggregator sees it: numbers only, with user and model as ids in the
/// reader's `NameTable`s, so neither reader builds a String per record. `-1` marks an unknown
/// (`null`) number or name.
struct UsageSample {
    var ts: Int
    var user: Int32
    var model: Int32
    var promptTokens: Int
    var completionTokens: Int
    var durationMs: Int
    var status: Int
    var ttftMs: Int
    var stream: Bool
    var reason: LimitReason
}
