#if canImport(Glibc)
import Glibc
#endif

/// Parses the CLI's time arguments: relative durations (`45s`, `90m`, `12h`, `30d`, `2w`) and
/// absolute UTC dates (`2027-01-01`, `2027-01-01T12:00:00Z`).
public enum TimeSpec {
    /// Seconds in a duration like `30d`; nil when malformed or not positive.
    public static func duration(_ text: String) -> Int? {
        guard let unit = text.last, let value = Int(text.dropLast()), value > 0 else { return nil }
        let scale: Int
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow || seconds > 100 * 365 * 86_400 ? nil : seconds
    }

    /// Unix seconds for `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
    public static func date(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, range.allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) else { return nil }
            return Int(String(decoding: bytes[range], as: UTF8.self))
        }
        guard bytes.count == 10 || bytes.count == 20, bytes[4] == 0x2D, bytes[7] == 0x2D,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        if bytes.count == 20 {
            guard bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A, bytes[19] == 0x5A,
                  let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                  hour < 24, minute < 60, second < 60 else { return nil }
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
        }
        let seconds = Int(timegm(&parts))
        // timegm normalises 2027-02-31 into March: reject dates that do not round-trip.
        guard UTCTimestamp.format(secondsSinceEpoch: seconds).hasPrefix(String(decoding: bytes[0..<10], as: UTF8.self)) else { return nil }
        return seconds
    }

    /// An expiry: a duration from `now`, or an absolute date (which must be in the future).
    public static func expiry(_ text: String, now: Int) -> Int? {
        if let seconds = duration(text) { return now + seconds }
        if let date = date(text), date > now { return date }
        return nil
    }
}
