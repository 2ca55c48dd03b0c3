/// Exact percentiles by the nearest-rank method: the p-th percentile of n values is the value
/// at rank ⌈p/100 × n⌉ (1-based) in ascending order. It is always one of the values (no
/// interpolation), so reports from any source agree exactly. p50 of [1,2,3,4] is 2, p95 is 4.
enum NearestRank {
    /// The 1-based rank for `percentile` (1…100) of `count` values (≥ 1).
    static func rank(percentile: Int, count: Int) -> Int {
        precondition((1...100).contains(percentile) && count > 0)
        return max(1, (percentile * count + 99) / 100)
    }

    /// The percentiles of `values`, nil when empty. Sorts `values` in place.
    static func percentiles(_ percentiles: [Int], of values: inout [Int32]) -> [Int]? {
        guard !values.isEmpty else { return nil }
        values.sort()
        return percentiles.map { Int(values[rank(percentile: $0, count: values.count) - 1]) }
    }
}
