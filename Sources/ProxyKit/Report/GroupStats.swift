/// Running totals for one group of records (one row of the report, or the totals row).
/// Token sums cover the records whose value is known; unknown values are counted, never zero.
struct GroupStats {
    var requests = 0
    var succeeded = 0
    var failed = 0
    var unauthorized = 0
    var forbidden = 0
    var rateLimited = 0
    var quotaExceeded = 0
    var overContextCap = 0
    var other = 0
    var promptTokens = 0
    var completionTokens = 0
    /// Records with `prompt_tokens` or `completion_tokens` null.
    var recordsWithoutUsage = 0
    /// Durations of 2xx records, for the latency percentiles.
    var successDurationsMs: [Int32] = []
    /// `ttft_ms` of stream records that have one.
    var streamTTFTsMs: [Int32] = []
    /// Completion tokens and duration of 2xx records with known completion tokens (tokens/s).
    var rateCompletionTokens = 0
    var rateDurationMs = 0

    mutating func add(_ sample: UsageSample, outcome: RequestOutcome) {
        requests += 1
        switch outcome {
        case .succeeded:
            succeeded += 1
            successDurationsMs.append(Int32(clamping: sample.durationMs))
            if sample.completionTokens >= 0 {
                rateCompletionTokens += sample.completionTokens
                rateDurationMs += sample.durationMs
            }
        case .failed: failed += 1
        case .unauthorized: unauthorized += 1
        case .forbidden: forbidden += 1
        case .rateLimited: rateLimited += 1
        case .quotaExceeded: quotaExceeded += 1
        case .overContextCap: overContextCap += 1
        case .other: other += 1
        }
        if sample.promptTokens >= 0 { promptTokens += sample.promptTokens }
        if sample.completionTokens >= 0 { completionTokens += sample.completionTokens }
        if sample.promptTokens < 0 || sample.completionTokens < 0 { recordsWithoutUsage += 1 }
        if sample.stream && sample.ttftMs >= 0 { streamTTFTsMs.append(Int32(clamping: sample.ttftMs)) }
    }

    var totalTokens: Int { promptTokens + completionTokens }
}
