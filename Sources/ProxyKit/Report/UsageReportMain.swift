import Foundation

/// The `usage-report` executable. Summaries arrive with the metering issue; for now it
/// documents itself and refuses everything else clearly.
public enum UsageReportMain {
    public static let usage = """
        usage-report: hourly per-user usage summaries from ds4-proxy's records.

        Usage:
          usage-report [--since 1h | --from T --to T] [--by user|model|hour|day]
                       [--format table|json|csv|markdown|html] [--db FILE | --jsonl FILE] [--out FILE]

        Not implemented yet: only --help works in this version.

        """

    public static func run(arguments: [String]) -> Int32 {
        if arguments.isEmpty || arguments.contains("--help") || arguments.contains("-h") {
            print(usage, terminator: "")
            return arguments.isEmpty ? 2 : 0
        }
        FileHandle.standardError.write(Data("usage-report: reports are not implemented yet (see --help)\n".utf8))
        return 2
    }
}
