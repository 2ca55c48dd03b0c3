#if canImport(Glibc)
import Glibc
#endif

import Synchronization

/// ISO-8601 UTC timestamps with second precision (`2026-05-28T14:22:01Z`), built with
/// `gmtime_r` rather than a Foundation formatter (which is slow per call), and cached for the
/// current second (every usage record and log line asks for it).
public enum UTCTimestamp {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    /// `format` for the seconds most recently asked for comes from the cache.
    public static func cachedFormat(secondsSinceEpoch seconds: Int) -> String {
        if let hit = cache.withLock({ $0.second == seconds ? $0.text : nil }) { return hit }
        let text = format(secondsSinceEpoch: seconds)
        cache.withLock { $0 = (seconds, text) }
        return text
    }

    /// The current time.
    public static func now() -> String {
        cachedFormat(secondsSinceEpoch: Int(time(nil)))
    }

    /// Formats seconds since the Unix epoch.
    public static func format(secondsSinceEpoch: Int) -> String {
        var t = time_t(secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&t, &parts)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
