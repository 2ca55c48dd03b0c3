/// Adds up usage samples from either reader into the report's groups, the totals, the per-user
/// KV figures and (for the dashboard) the timeline. One aggregator for both sources is what makes
/// a report from the JSONL journal equal the one from the SQLite index.
struct UsageAggregator {
    let window: ReportWindow
    let grouping: ReportGrouping
    /// Collect the chart timeline (only the dashboard needs it; it costs memory per record).
    let collectsTimeline: Bool
    /// Names seen by the reader; samples carry their ids.
    var users = NameTable()
    var models = NameTable()

    private var groupIndexByKey: [Int64: Int] = [:]
    private var groupKeys: [Int64] = []
    private var groups: [GroupStats] = []
    private var lastKey = Int64.min
    private var lastIndex = -1
    private var total = GroupStats()
    /// Indexed by user id + 1 (slot 0: no user).
    private var kvByUser: [KVPressureStats] = []
    private var timeline: [Int: TimelineBucket] = [:]

    init(window: ReportWindow, grouping: ReportGrouping, collectsTimeline: Bool) {
        self.window = window
        self.grouping = grouping
        self.collectsTimeline = collectsTimeline
    }

    /// Seconds per chart bucket: hours, or days for windows longer than a week.
    var timelineBucketSeconds: Int { window.to - window.from > 7 * 86_400 ? 86_400 : 3600 }

    /// Adds one record; the reader has already checked it is inside the window.
    mutating func add(_ sample: UsageSample) {
        let outcome = RequestOutcome.classify(status: sample.status, reason: sample.reason)
        let key = groupKey(sample)
        if key != lastKey {
            lastKey = key
            if let index = groupIndexByKey[key] {
                lastIndex = index
            } else {
                lastIndex = groups.count
                groupIndexByKey[key] = lastIndex
                groupKeys.append(key)
                groups.append(GroupStats())
            }
        }
        groups[lastIndex].add(sample, outcome: outcome)
        total.add(sample, outcome: outcome)
        let slot = Int(sample.user) + 1
        while kvByUser.count <= slot { kvByUser.append(KVPressureStats()) }
        kvByUser[slot].add(sample, outcome: outcome)
        if collectsTimeline {
            let bucket = Self.floor(sample.ts, timelineBucketSeconds)
            timeline[bucket, default: TimelineBucket()].add(sample, outcome: outcome)
        }
    }

    private func groupKey(_ sample: UsageSample) -> Int64 {
        switch grouping {
        case .user: Int64(sample.user)
        case .model: Int64(sample.model)
        case .hour: Int64(Self.floor(sample.ts, 3600))
        case .day: Int64(Self.floor(sample.ts, 86_400))
        case .userModel: Int64(sample.user) << 32 | Int64(UInt32(bitPattern: sample.model))
        }
    }

    private func keyValues(_ key: Int64) -> [String?] {
        switch grouping {
        case .user: [users.name(Int32(key))]
        case .model: [models.name(Int32(key))]
        case .hour: [UTCTimestamp.format(secondsSinceEpoch: Int(key))]
        case .day: [String(UTCTimestamp.format(secondsSinceEpoch: Int(key)).prefix(10))]
        case .userModel: [users.name(Int32(truncatingIfNeeded: key >> 32)), models.name(Int32(truncatingIfNeeded: key))]
        }
    }

    static func floor(_ ts: Int, _ unit: Int) -> Int { ts - ((ts % unit) + unit) % unit }

    /// The finished report. Leaves the aggregator's per-record arrays sorted.
    mutating func finish(kvWarnShare: Double) -> UsageReport {
        let windowTokens = total.totalTokens
        var summaries: [GroupSummary] = []
        summaries.reserveCapacity(groups.count)
        for index in groups.indices {
            summaries.append(GroupSummary(key: keyValues(groupKeys[index]), stats: &groups[index], windowTokens: windowTokens))
        }
        if grouping.isTimeBased {
            summaries.sort { ($0.key[0] ?? "") < ($1.key[0] ?? "") }
        } else {
            summaries.sort { a, b in
                if a.totalTokens != b.totalTokens { return a.totalTokens > b.totalTokens }
                if a.requests != b.requests { return a.requests > b.requests }
                return Self.keyOrder(a.key, b.key)
            }
        }
        let totals = GroupSummary(key: grouping.keyColumns.map { _ in "total" }, stats: &total, windowTokens: windowTokens)

        let windowTokenMs = kvByUser.reduce(0) { $0 + $1.tokenMilliseconds }
        let cacheUsers = kvByUser.filter { $0.tokenMilliseconds > 0 }.count
        var kv: [KVPressureSummary] = []
        for (slot, stats) in kvByUser.enumerated() where stats.requests > 0 {
            kv.append(KVPressureSummary(user: users.name(Int32(slot - 1)), stats: stats, windowTokenMilliseconds: windowTokenMs,
                                        warnShare: kvWarnShare, othersUsedCache: cacheUsers - (stats.tokenMilliseconds > 0 ? 1 : 0) > 0))
        }
        kv.sort { a, b in
            if a.kvTokenSeconds != b.kvTokenSeconds { return a.kvTokenSeconds > b.kvTokenSeconds }
            return Self.keyOrder([a.user], [b.user])
        }

        var points: [TimelinePoint] = []
        var timelineUsers: [String?] = []
        if collectsTimeline {
            var tokensByUserID: [Int32: Int] = [:]
            for bucket in timeline.values { tokensByUserID.merge(bucket.tokensByUser, uniquingKeysWith: +) }
            let order = tokensByUserID.keys.sorted { a, b in
                if tokensByUserID[a] != tokensByUserID[b] { return tokensByUserID[a]! > tokensByUserID[b]! }
                return Self.keyOrder([users.name(a)], [users.name(b)])
            }
            timelineUsers = order.map { users.name($0) }
            let unit = timelineBucketSeconds
            var start = Self.floor(window.from, unit)
            while start < window.to {
                var bucket = timeline[start] ?? TimelineBucket()
                let p95 = NearestRank.percentiles([95], of: &bucket.successDurationsMs)?[0]
                points.append(TimelinePoint(start: start, requests: bucket.requests, durationP95: p95,
                                            tokensByUser: order.map { bucket.tokensByUser[$0] ?? 0 }))
                start += unit
            }
        }
        return UsageReport(window: window, grouping: grouping, groups: summaries, totals: totals, kvPressure: kv,
                           kvWarnShare: kvWarnShare, timeline: points, timelineBucketSeconds: timelineBucketSeconds,
                           timelineUsers: timelineUsers)
    }

    /// Names ascending, nil (no user / model) last: the same order whichever reader saw them first.
    static func keyOrder(_ a: [String?], _ b: [String?]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            guard let x else { return false }
            guard let y else { return true }
            return x < y
        }
        return false
    }
}
