import Testing
@testable import ProxyKit

/// `NearestRank`: ⌈p/100 × n⌉-th smallest value, never interpolated.
@Suite struct ReportNearestRankTests {
    @Test func knownValues() {
        var four: [Int32] = [4, 1, 3, 2]
        #expect(NearestRank.percentiles([50, 95], of: &four) == [2, 4])
        var one: [Int32] = [7]
        #expect(NearestRank.percentiles([50, 95], of: &one) == [7, 7])
        var twenty = (1...20).map(Int32.init).reversed().map { $0 }
        #expect(NearestRank.percentiles([50, 95, 100], of: &twenty) == [10, 19, 20])
        var hundred = (1...100).map(Int32.init)
        #expect(NearestRank.percentiles([1, 50, 95], of: &hundred) == [1, 50, 95])
        var empty: [Int32] = []
        #expect(NearestRank.percentiles([50], of: &empty) == nil)
    }

    @Test func rankIsTheSmallestCoveringAtLeastP() {
        for count in 1...60 {
            for p in 1...100 {
                let rank = NearestRank.rank(percentile: p, count: count)
                #expect(rank * 100 >= p * count && (rank - 1) * 100 < p * count, "p\(p) of \(count)")
            }
        }
    }
}
