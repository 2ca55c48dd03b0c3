import Glibc

/// The `usage-report` executable: parse, read, aggregate, render, write, alert.
public enum UsageReportMain {
    /// Exit status 1: an `--alert-*` threshold was crossed.
    public static let alertStatus: Int32 = 1
    /// Exit status 2: a mistake in the arguments, an unreadable input or an unwritable output.
    public static let errorStatus: Int32 = 2

    public static func run(arguments: [String]) -> Int32 {
        do {
            switch try ReportCommandLine.parse(arguments, now: Int(time(nil))) {
            case .help:
                write(ReportCommandLine.usage, to: STDOUT_FILENO)
                return 0
            case .generateHelp:
                write(UsageDataGenerator.Options.usage, to: STDOUT_FILENO)
                return 0
            case let .generate(options):
                try UsageDataGenerator(options: options).run()
                return 0
            case let .report(options):
                return try report(options)
            }
        } catch {
            printError(error.description)
            return errorStatus
        }
    }

    static func report(_ options: ReportOptions) throws(ReportError) -> Int32 {
        var aggregator = UsageAggregator(window: options.window, grouping: options.grouping,
                                         collectsTimeline: options.format == .html)
        switch options.input {
        case let .database(path):
            try SQLiteUsageReader(path: path).read(into: &aggregator)
        case let .journals(paths):
            let summary = try JSONLUsageReader(paths: paths).read(into: &aggregator)
            summary.stderrLines.forEach(printError)
        }
        let report = aggregator.finish(kvWarnShare: options.kvWarnShare)
        let text = render(report, as: options.format)
        if let path = options.outputPath {
            try AtomicFileWriter.write(text, to: path)
        } else {
            write(text, to: STDOUT_FILENO)
        }
        let alerts = ReportAlerts(report: report, alertTokens: options.alertTokens, alertErrors: options.alertErrors)
        (alerts.warnings + alerts.alerts).forEach(printError)
        return alerts.alerts.isEmpty ? 0 : alertStatus
    }

    static func render(_ report: UsageReport, as format: ReportFormat) -> String {
        switch format {
        case .table: TableReportRenderer.render(report)
        case .json: JSONReportRenderer.render(report)
        case .csv: CSVReportRenderer.render(report)
        case .markdown: MarkdownReportRenderer.render(report)
        case .html: HTMLReportRenderer.render(report)
        }
    }

    /// One `usage-report: …` line on stderr (messages that already carry the prefix keep it).
    static func printError(_ message: String) {
        write((message.hasPrefix("usage-report: ") ? message : "usage-report: " + message) + "\n", to: STDERR_FILENO)
    }

    /// All of `text` to `fd` with `write(2)` (no stdio buffering to interleave with stderr).
    static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
