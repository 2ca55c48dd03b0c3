#if canImport(Glibc)
import Glibc
#endif

/// ISO-8601 UTC timestamps with second precision (`2026-05-28T14:22:01Z`), built with
/// `gmtime_r` rather than a Foundation formatter (which is slow per call).
public enum UTCTimestamp {
    /// The current time.
    public static func now() -> String {
        format(secondsSinceEpoch: Int(time(nil)))
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
