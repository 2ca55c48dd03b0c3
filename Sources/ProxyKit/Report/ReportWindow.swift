/// The time range a report covers, half-open: `[from, to)` in Unix seconds. A record exactly at
/// `from` is in, one exactly at `to` is out, so consecutive hourly reports never count a record
/// twice.
struct ReportWindow: Sendable, Hashable {
    /// First second included.
    let from: Int
    /// First second excluded.
    let to: Int

    init(from: Int, to: Int) {
        precondition(from < to, "a report window must not be empty")
        self.from = from
        self.to = to
    }

    /// The last full UTC hour before `now`: what an hourly cron job wants.
    static func lastFullHour(now: Int) -> ReportWindow {
        let hour = now - ((now % 3600) + 3600) % 3600
        return ReportWindow(from: hour - 3600, to: hour)
    }

    /// `[now - seconds, now]`: `now` itself is included.
    static func last(_ seconds: Int, now: Int) -> ReportWindow {
        ReportWindow(from: now - seconds, to: now + 1)
    }

    func contains(_ ts: Int) -> Bool { ts >= from && ts < to }

    var fromText: String { UTCTimestamp.format(secondsSinceEpoch: from) }
    var toText: String { UTCTimestamp.format(secondsSinceEpoch: to) }
}
