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

extension ReportNearestRankTests {
    @Test func selectionAgreesWithSortingOnRandomAndRepetitiveInput() {
        var state: UInt64 = 42
        func next(_ bound: UInt64) -> Int32 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int32((state >> 33) % bound)
        }
        for (count, spread) in [(1, 5), (17, 3), (100, 1), (1000, 10), (5000, 100_000), (20_000, 2), (3, 1000)] {
            var values = (0..<count).map { _ in next(UInt64(spread)) }
            let sorted = values.sorted()
            let wanted = [1, 50, 95, 99, 100].map { Int(sorted[NearestRank.rank(percentile: $0, count: count) - 1]) }
            #expect(NearestRank.percentiles([1, 50, 95, 99, 100], of: &values) == wanted, "\(count) values in 0..<\(spread)")
            #expect(values.sorted() == sorted)
        }
        var ascending = (0..<10_000).map(Int32.init)
        #expect(NearestRank.percentiles([50, 95], of: &ascending) == [4999, 9499])
        var descending = (0..<10_000).reversed().map(Int32.init)
        #expect(NearestRank.percentiles([50, 95], of: &descending) == [4999, 9499])
    }
}
