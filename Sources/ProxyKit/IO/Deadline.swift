#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock. Every timeout in ds4-proxy is a deadline computed once,
/// never a per-read timer, so a trickle of bytes cannot extend it (slowloris).
public struct Deadline: Sendable, Hashable, Comparable {
    /// Nanoseconds on CLOCK_MONOTONIC.
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The current monotonic time.
    public static func now() -> Deadline {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    /// A deadline `seconds` from now.
    public static func after(seconds: Double) -> Deadline {
        let now = Deadline.now()
        guard seconds.isFinite, seconds < 1e9 else { return .distantFuture }
        return Deadline(nanoseconds: now.nanoseconds + UInt64(max(0, seconds) * 1e9))
    }

    public static let distantFuture = Deadline(nanoseconds: UInt64.max / 2)

    /// The earlier of two deadlines.
    public func earliest(_ other: Deadline) -> Deadline { self < other ? self : other }

    /// Milliseconds left, rounded up, for `poll()`; 0 once passed; capped to fit Int32.
    public var pollTimeoutMilliseconds: Int32 {
        let now = Deadline.now().nanoseconds
        if nanoseconds <= now { return 0 }
        let ms = (nanoseconds - now + 999_999) / 1_000_000
        return Int32(min(ms, UInt64(Int32.max)))
    }

    public var hasPassed: Bool { Deadline.now().nanoseconds >= nanoseconds }

    /// Milliseconds elapsed since this point.
    public var millisecondsSince: Int {
        let now = Deadline.now().nanoseconds
        return now > nanoseconds ? Int((now - nanoseconds) / 1_000_000) : 0
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
