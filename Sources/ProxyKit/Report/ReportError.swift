/// Why `usage-report` could not produce a report. Each case is one line on stderr
/// (`usage-report: MESSAGE`) and exit status 2; alert thresholds are not errors (exit 1).
public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A command-line mistake.
    case usage(String)
    /// An input file is missing, unreadable or not what it should be.
    case input(String)
    /// The output could not be written.
    case output(String)

    public var description: String {
        switch self {
        case let .usage(message), let .input(message), let .output(message): message
        }
    }
}
