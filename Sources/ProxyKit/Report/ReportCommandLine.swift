/// Parses `usage-report`'s arguments. The options live in one table that also writes `--help`,
/// so every option is documented; each mistake is one `ReportError.usage` line (exit 2).
enum ReportCommandLine {
    enum Command: Sendable, Hashable {
        case report(ReportOptions)
        case help
        /// The hidden benchmark data generator (`usage-report generate …`).
        case generate(UsageDataGenerator.Options)
        /// `usage-report generate --help`.
        case generateHelp
    }

    struct OptionSpec: Sendable {
        let name: String
        /// nil: a switch without a value.
        let value: String?
        let help: String
        let repeatable: Bool

        init(_ name: String, _ value: String?, _ help: String, repeatable: Bool = false) {
            self.name = name
            self.value = value
            self.help = help
            self.repeatable = repeatable
        }
    }

    static let options: [OptionSpec] = [
        OptionSpec("--db", "FILE", "read the SQLite index (default \(ReportOptions.defaultDatabase)); opened read-only"),
        OptionSpec("--jsonl", "FILE", "read a JSONL journal instead ('-': stdin); repeat for rotated files",
                   repeatable: true),
        OptionSpec("--since", "DURATION", "window [now - DURATION, now]: 1h, 24h, 7d (default: last full UTC hour)"),
        OptionSpec("--from", "T", "window start, included: 2026-11-26T10:00:00Z or 2026-11-26 (UTC)"),
        OptionSpec("--to", "T", "window end, excluded (default: now, included)"),
        OptionSpec("--now", "T", "take T as the current time (reproducible reports and tests)"),
        OptionSpec("--by", "GROUP", "user (default), model, hour, day or user,model"),
        OptionSpec("--format", "FORMAT", "table (default), json, csv, markdown or html (the dashboard)"),
        OptionSpec("--out", "FILE", "write to FILE atomically (temp file + rename) instead of stdout"),
        OptionSpec("--alert-tokens", "N", "exit 1 and say so on stderr when a group's total tokens exceed N"),
        OptionSpec("--alert-errors", "N", "exit 1 and say so on stderr when a group's 5xx count exceeds N"),
        OptionSpec("--kv-warn-share", "F", "warn of each user over F (0-1) of KV token-seconds, unless alone (0.5)"),
        OptionSpec("--help", nil, "print this help"),
    ]

    static var usage: String {
        var text = """
            usage-report: per-user usage summaries, KV pressure and a dashboard from ds4-proxy's records.

            Usage:
              usage-report [--since 1h | --from T [--to T]] [--by user|model|hour|day|user,model]
                           [--format table|json|csv|markdown|html] [--db FILE | --jsonl FILE...] [--out FILE]
                           [--alert-tokens N] [--alert-errors N] [--kv-warn-share F] [--now T]

            Options:

            """
        for spec in options {
            let left = "  " + spec.name + (spec.value.map { " " + $0 } ?? "")
            text += left.padding(toLength: 26) + spec.help + "\n"
        }
        text += """

            Window: half-open [from, to): a record exactly at --from is in, one exactly at --to is out.
            Default: the last full UTC hour. --since D is [now - D, now] (now included); --from without
            --to runs up to now (included). Times are UTC ISO-8601 (…Z) or a date (midnight UTC).

            Metrics: requests count every record; 2xx served, 5xx errors; rejections by status and
            reason (401, 403, 429 rate_limited, 429 quota_exceeded, 400 context_cap_exceeded).
            Tokens are summed where known (upstream or estimated); "no usage" counts records missing a
            count. p50/p95 are nearest-rank: duration over 2xx, TTFT over streams that have one.
            tok/s = completion tokens / seconds over 2xx records with known completion tokens.
            KV token-seconds = (prompt + completion) x duration over records with both counts.

            Exit status: 0 report written; 1 an --alert-* threshold was crossed (lines on stderr);
            2 bad arguments, or an input that cannot be read, or an output that cannot be written.

            """
        return text
    }

    static func parse(_ arguments: [String], now realNow: Int) throws(ReportError) -> Command {
        if arguments.first == "generate" {
            guard let options = try UsageDataGenerator.Options.parse(Array(arguments.dropFirst())) else { return .generateHelp }
            return .generate(options)
        }
        var values: [String: [String]] = [:]
        var rest = arguments[...]
        while let arg = rest.popFirst() {
            if arg == "--help" || arg == "-h" { return .help }
            guard arg.hasPrefix("--") else { throw .usage("unexpected argument '\(arg)' (see usage-report --help)") }
            var name = arg
            var value: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                value = String(arg[arg.index(after: eq)...])
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw .usage("unknown option '\(name)' (see usage-report --help)")
            }
            guard spec.value != nil else { throw .usage("\(name) takes no value") }
            if value == nil {
                guard let next = rest.popFirst() else { throw .usage("\(name) needs a value (\(spec.value!))") }
                value = next
            }
            if values[name] != nil && !spec.repeatable { throw .usage("\(name) given twice") }
            values[name, default: []].append(value!)
        }
        let one = { (name: String) in values[name]?.first }

        let now: Int
        if let text = one("--now") {
            guard let seconds = TimeSpec.date(text) else { throw .usage("--now '\(text)' is not a UTC time like 2026-11-26T10:00:00Z") }
            now = seconds
        } else {
            now = realNow
        }

        var options = ReportOptions(window: try window(since: one("--since"), from: one("--from"), to: one("--to"), now: now))
        switch (one("--db"), values["--jsonl"]) {
        case (_?, _?): throw .usage("give either --db or --jsonl, not both")
        case let (db?, nil): options.input = .database(db)
        case let (nil, journals?): options.input = .journals(journals)
        case (nil, nil): break
        }
        if let text = one("--by") {
            guard let grouping = ReportGrouping(rawValue: text) else {
                throw .usage("--by '\(text)' is not one of: \(ReportGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.grouping = grouping
        }
        if let text = one("--format") {
            guard let format = ReportFormat(rawValue: text) else {
                throw .usage("--format '\(text)' is not one of: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.format = format
        }
        if let path = one("--out") {
            guard !path.isEmpty, path != "-" else { throw .usage("--out needs a file name (stdout is the default)") }
            options.outputPath = path
        }
        options.alertTokens = try count(one("--alert-tokens"), "--alert-tokens")
        options.alertErrors = try count(one("--alert-errors"), "--alert-errors")
        if let text = one("--kv-warn-share") {
            guard let share = Double(text), share >= 0, share <= 1 else { throw .usage("--kv-warn-share '\(text)' is not a number from 0 to 1") }
            options.kvWarnShare = share
        }
        return .report(options)
    }

    static func window(since: String?, from: String?, to: String?, now: Int) throws(ReportError) -> ReportWindow {
        if let since {
            guard from == nil && to == nil else { throw .usage("--since cannot be combined with --from/--to") }
            guard let seconds = TimeSpec.duration(since) else { throw .usage("--since '\(since)' is not a duration like 1h, 24h or 7d") }
            return .last(seconds, now: now)
        }
        guard let from else {
            if to != nil { throw .usage("--to needs --from") }
            return .lastFullHour(now: now)
        }
        guard let start = TimeSpec.date(from) else { throw .usage("--from '\(from)' is not a UTC time like 2026-11-26T10:00:00Z") }
        var end = now + 1
        if let to {
            guard let seconds = TimeSpec.date(to) else { throw .usage("--to '\(to)' is not a UTC time like 2026-11-26T11:00:00Z") }
            end = seconds
        }
        guard start < end else { throw .usage("--from must be before --to (the window [from, to) would be empty)") }
        return ReportWindow(from: start, to: end)
    }

    private static func count(_ text: String?, _ name: String) throws(ReportError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else { throw .usage("\(name) '\(text)' is not a whole number >= 0") }
        return value
    }
}
