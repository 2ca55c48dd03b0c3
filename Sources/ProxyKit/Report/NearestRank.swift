/// Exact percentiles by the nearest-rank method: the p-th percentile of n values is the value
/// at rank ⌈p/100 × n⌉ (1-based) in ascending order. It is always one of the values (no
/// interpolation), so reports from any source agree exactly. p50 of [1,2,3,4] is 2, p95 is 4.
///
/// The values are not sorted: a quickselect puts each wanted rank in place in linear time
/// (sorting 10 M durations was a fifth of a full-year report).
enum NearestRank {
    /// The 1-based rank for `percentile` (1…100) of `count` values (≥ 1).
    static func rank(percentile: Int, count: Int) -> Int {
        precondition((1...100).contains(percentile) && count > 0)
        return max(1, (percentile * count + 99) / 100)
    }

    /// The percentiles (ascending) of `values`, nil when empty. Reorders `values`.
    static func percentiles(_ percentiles: [Int], of values: inout [Int32]) -> [Int]? {
        guard !values.isEmpty else { return nil }
        precondition(percentiles == percentiles.sorted(), "percentiles must be ascending")
        let count = values.count
        return values.withUnsafeMutableBufferPointer { buffer in
            var lower = 0
            return percentiles.map { percentile in
                let k = rank(percentile: percentile, count: count) - 1
                select(k, in: buffer, lower, count)
                // Everything before k is now ≤ buffer[k]: the next (larger) rank lies at or after it.
                lower = k
                return Int(buffer[k])
            }
        }
    }

    /// Moves the k-th smallest of `buffer[low..<high]` to index k, smaller ones before it and
    /// larger ones after. Three-way partitions (durations repeat a lot); after 64 rounds, which
    /// only hostile input needs, it sorts the rest instead, so the worst case stays n log n.
    static func select(_ k: Int, in buffer: UnsafeMutableBufferPointer<Int32>, _ low: Int, _ high: Int) {
        var low = low, high = high
        var rounds = 0
        while high - low > 16 {
            rounds += 1
            if rounds > 64 {
                buffer[low..<high].sort()
                return
            }
            let a = buffer[low], b = buffer[(low + high) / 2], c = buffer[high - 1]
            let pivot = max(min(a, b), min(max(a, b), c))
            var lt = low, i = low, gt = high
            while i < gt {
                let value = buffer[i]
                if value < pivot {
                    buffer.swapAt(lt, i)
                    lt += 1
                    i += 1
                } else if value > pivot {
                    gt -= 1
                    buffer.swapAt(i, gt)
                } else {
                    i += 1
                }
            }
            if k < lt {
                high = lt
            } else if k >= gt {
                low = gt
            } else {
                return
            }
        }
        buffer[low..<high].sort()
    }
}
