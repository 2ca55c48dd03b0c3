import Foundation
import Testing
@testable import ProxyKit

/// The real `usage-report` binary over a generated data set written both as a JSONL journal and
/// a SQLite index: both sources give the same report, and its numbers equal the ones computed
/// independently in `ExpectedGroup`.
@Suite struct UsageReportCLITests {
    static let from = "2026-11-26T09:00:00Z"
    static let to = "2026-11-26T12:00:00Z"
    static let fromTs = ReportFixture.start
    static let toTs = ReportFixture.start + 3 * 3600
    static let window = ["--from", from, "--to", to]

    /// The label a record's group has in the JSON (and, with "(no user)", in the text formats).
    static func key(_ by: String, text: Bool = false) -> (UsageRecord) -> String {
        let user = { (r: UsageRecord) in r.user ?? (text ? "(no user)" : "") }
        let model = { (r: UsageRecord) in r.model ?? (text ? "(no model)" : "") }
        switch by {
        case "user": return user
        case "model": return model
        case "hour": return { UTCTimestamp.format(secondsSinceEpoch: $0.ts / 3600 * 3600) }
        case "day": return { String(UTCTimestamp.format(secondsSinceEpoch: $0.ts).prefix(10)) }
        default: return { user($0) + "|" + model($0) }
        }
    }

    static func jsonObject(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func values(_ object: [String: Any]) -> [String: Double?] {
        var out: [String: Double?] = [:]
        for (name, value) in object {
            if value is NSNull { out[name] = .some(nil) } else if let number = value as? NSNumber { out[name] = number.doubleValue }
        }
        return out
    }

    @Test(arguments: ["user", "model", "hour", "day", "user,model"])
    func jsonFromIndexAndJournalIsIdenticalAndMatchesIndependentNumbers(by: String) throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let fromDB = try ReportFixture.run(["--db", fixture.databasePath, "--format", "json", "--by", by] + Self.window)
        let fromJournal = try ReportFixture.run(["--jsonl", fixture.journalPath, "--format", "json", "--by", by] + Self.window)
        #expect(fromDB.status == 0 && fromJournal.status == 0, "\(fromDB.stderr) \(fromJournal.stderr)")
        #expect(fromDB.stdout == fromJournal.stdout)

        let json = try Self.jsonObject(fromDB.stdout)
        let expected = fixture.expectedGroups(from: Self.fromTs, to: Self.toTs, key: Self.key(by))
        let groups = try #require(json["groups"] as? [[String: Any]])
        #expect(groups.count == expected.count)
        let keyColumns = by == "user,model" ? ["user", "model"] : [by]
        var problems: [String] = []
        for group in groups {
            let label = keyColumns.map { group[$0] as? String ?? "" }.joined(separator: "|")
            guard let want = expected[label] else {
                problems.append("unexpected group \(label)")
                continue
            }
            problems += ReportOutputParsing.mismatches(label, actual: Self.values(group), expected: want, humanRounding: false)
        }
        let window = fixture.records(from: Self.fromTs, to: Self.toTs)
        let windowTokens = window.reduce(0) { $0 + ($1.promptTokens ?? 0) + ($1.completionTokens ?? 0) }
        let totals = try #require(json["totals"] as? [String: Any])
        problems += ReportOutputParsing.mismatches("total", actual: Self.values(totals),
                                                   expected: ExpectedGroup(window, windowTokens: windowTokens), humanRounding: false)
        #expect(problems.isEmpty, "\(problems)")
        #expect(json["from"] as? String == Self.from && json["to"] as? String == Self.to)
    }

    @Test func aUserAloneInTheWindowIsNotWarnedAbout() throws {
        let records = (0..<3).map { i in
            UsageRecord(ts: Self.fromTs + 60 * i, user: "solo", model: "m", promptTokens: 90_000, completionTokens: 20_000,
                        durationMs: 30_000, requestID: "r\(i)", keyID: "k", status: 200, stream: true, ttftMs: 900,
                        usageSource: .upstream, reason: nil, clientIP: "127.0.0.1")
        }
        let fixture = try ReportFixture(records: records)
        defer { fixture.remove() }
        let run = try ReportFixture.run(["--jsonl", fixture.journalPath, "--format", "json"] + Self.window)
        let rows = try #require(try Self.jsonObject(run.stdout)["kv_pressure"] as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["kv_share"] as? Double == 1.0 && rows[0]["over_threshold"] as? Bool == false)
        #expect(run.status == 0 && !run.stderr.contains("KV pressure"))
    }

    @Test func kvPressureMatchesIndependentNumbers() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let run = try ReportFixture.run(["--jsonl", fixture.journalPath, "--format", "json", "--kv-warn-share", "0.4"] + Self.window)
        let json = try Self.jsonObject(run.stdout)
        let rows = try #require(json["kv_pressure"] as? [[String: Any]])
        let byUser = Dictionary(grouping: fixture.records(from: Self.fromTs, to: Self.toTs), by: { $0.user ?? "" })
        let expected = byUser.mapValues(ExpectedKV.init)
        let allTokenMs = expected.values.reduce(0) { $0 + $1.tokenMs }
        #expect(rows.count == expected.count)
        var warned: [String] = []
        for row in rows {
            let user = row["user"] as? String ?? ""
            let want = try #require(expected[user])
            #expect((row["peak_context"] as? Int) == want.peak, "\(user)")
            #expect(row["requests_over_100k"] as? Int == want.over100K, "\(user)")
            #expect(row["clamped"] as? Int == want.clamped, "\(user)")
            #expect(row["rejected_by_cap"] as? Int == want.capRejected, "\(user)")
            #expect(row["kv_token_seconds"] as? Int == want.tokenMs / 1000, "\(user)")
            let share = Double(want.tokenMs) / Double(allTokenMs)
            #expect(abs((row["kv_share"] as? Double ?? -1) - share) < 0.000001, "\(user)")
            #expect(row["over_threshold"] as? Bool == (share > 0.4))
            if share > 0.4 { warned.append(user) }
        }
        #expect(expected.values.contains { $0.over100K > 0 && $0.clamped > 0 && $0.capRejected > 0 })
        // Warnings are information: one stderr line per user over the threshold, exit 0.
        #expect(!warned.isEmpty && run.status == 0)
        let warnings = run.stderr.split(separator: "\n").filter { $0.contains("KV pressure") }
        #expect(warnings.count == warned.count && warned.allSatisfy { user in warnings.contains { $0.contains(" \(user) holds") } })
    }

    @Test(arguments: ["table", "markdown", "csv"])
    func humanFormatsCarryTheSameNumbersFromBothSources(format: String) throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        for by in ["user", "user,model"] {
            let fromDB = try ReportFixture.run(["--db", fixture.databasePath, "--format", format, "--by", by] + Self.window)
            let fromJournal = try ReportFixture.run(["--jsonl", fixture.journalPath, "--format", format, "--by", by] + Self.window)
            #expect(fromDB.status == 0 && fromDB.stdout == fromJournal.stdout)
            let text = fromDB.stdout
            let keyColumns = by == "user,model" ? 2 : 1
            var expected = fixture.expectedGroups(from: Self.fromTs, to: Self.toTs, key: Self.key(by, text: format != "csv"))
            let window = fixture.records(from: Self.fromTs, to: Self.toTs)
            let windowTokens = window.reduce(0) { $0 + ($1.promptTokens ?? 0) + ($1.completionTokens ?? 0) }
            var actual: [String: [String: Double?]] = [:]
            if format == "csv" {
                let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
                let header = lines[0].components(separatedBy: ",")
                for line in lines.dropFirst() {
                    let cells = line.components(separatedBy: ",")
                    var values: [String: Double?] = [:]
                    for (name, cell) in zip(header, cells).dropFirst(keyColumns) { values[name] = cell.isEmpty ? .some(nil) : Double(cell) }
                    actual[cells.prefix(keyColumns).joined(separator: "|")] = values
                }
            } else {
                expected["total"] = ExpectedGroup(window, windowTokens: windowTokens)
                for section in ["Requests", "Rejections", "Tokens", "Latency"] {
                    let rows = format == "table" ? ReportOutputParsing.tableSection(text, section) : ReportOutputParsing.markdownSection(text, section)
                    #expect(!rows.isEmpty, "\(format) has no \(section) section")
                    for (label, values) in ReportOutputParsing.humanRows(rows, keyColumns: keyColumns) {
                        actual[label, default: [:]].merge(values) { $1 }
                    }
                }
            }
            #expect(Set(actual.keys) == Set(expected.keys), "\(format) by \(by)")
            var problems: [String] = []
            for (label, values) in actual {
                guard let want = expected[label] else { continue }
                #expect(values.count == (format == "csv" ? 20 : 20), "\(format) \(label) has \(values.count) metrics")
                problems += ReportOutputParsing.mismatches(label, actual: values, expected: want, humanRounding: format != "csv")
            }
            #expect(problems.isEmpty, "\(format) by \(by): \(problems)")
        }
    }

    @Test func tableLinesFitIn100Columns() throws {
        var records = ReportFixture.generated(count: 300)
        for i in records.indices where i % 5 == 0 {
            records[i].user = "a-very-long-user-name-for-the-table-\(i % 3)@example.org"
            records[i].model = "deepseek-ai/DeepSeek-V4-Flash-with-a-long-suffix"
            records[i].promptTokens = records[i].promptTokens.map { $0 * 10_000_000 }
        }
        let fixture = try ReportFixture(records: records)
        defer { fixture.remove() }
        for by in ["user", "model", "hour", "day", "user,model"] {
            let run = try ReportFixture.run(["--db", fixture.databasePath, "--by", by] + Self.window)
            #expect(run.status == 0)
            let lines = run.stdout.split(separator: "\n")
            #expect(lines.count > 10)
            for line in lines { #expect(line.count <= 100, "by \(by): \(line.count) columns: \(line)") }
        }
    }

    @Test func windowIsHalfOpenAtFromAndTo() throws {
        let base = ReportFixture.start
        func record(_ ts: Int, _ user: String) -> UsageRecord {
            UsageRecord(ts: ts, user: user, model: "m", promptTokens: 10, completionTokens: 5, durationMs: 100, requestID: "r\(ts)",
                        keyID: nil, status: 200, stream: false, ttftMs: nil, usageSource: .upstream, reason: nil, clientIP: nil)
        }
        let fixture = try ReportFixture(records: [record(base - 1, "before"), record(base, "atFrom"), record(base + 1800, "inside"),
                                                  record(base + 3599, "lastSecond"), record(base + 3600, "atTo")])
        defer { fixture.remove() }
        for source in [["--db", fixture.databasePath], ["--jsonl", fixture.journalPath]] {
            let explicit = try ReportFixture.run(source + ["--from", "2026-11-26T09:00:00Z", "--to", "2026-11-26T10:00:00Z", "--format", "json"])
            let users = try (Self.jsonObject(explicit.stdout)["groups"] as? [[String: Any]] ?? []).compactMap { $0["user"] as? String }
            #expect(Set(users) == ["atFrom", "inside", "lastSecond"])
            // Default: the last full hour before --now.
            let hourly = try ReportFixture.run(source + ["--now", "2026-11-26T10:59:59Z", "--format", "json"])
            #expect(try Self.jsonObject(hourly.stdout)["from"] as? String == "2026-11-26T09:00:00Z")
            let hourlyUsers = try (Self.jsonObject(hourly.stdout)["groups"] as? [[String: Any]] ?? []).compactMap { $0["user"] as? String }
            #expect(Set(hourlyUsers) == ["atFrom", "inside", "lastSecond"])
            // --since includes now itself.
            let since = try ReportFixture.run(source + ["--now", "2026-11-26T10:00:00Z", "--since", "30m", "--format", "json"])
            let sinceUsers = try (Self.jsonObject(since.stdout)["groups"] as? [[String: Any]] ?? []).compactMap { $0["user"] as? String }
            // [09:30:00, 10:00:00]: "inside" sits exactly on the start.
            #expect(Set(sinceUsers) == ["inside", "lastSecond", "atTo"])
        }
    }

    @Test func emptyWindowSaysSoInEveryFormatAndExitsZero() throws {
        let fixture = try ReportFixture(records: ReportFixture.generated(count: 50))
        defer { fixture.remove() }
        let args = ["--db", fixture.databasePath, "--now", "2026-01-01T00:30:00Z"]
        let line = "no requests between 2025-12-31T23:00:00Z and 2026-01-01T00:00:00Z"
        let table = try ReportFixture.run(args)
        #expect(table.status == 0 && table.stdout.contains(line) && table.stderr.isEmpty)
        let json = try ReportFixture.run(args + ["--format", "json"])
        #expect(json.status == 0)
        let object = try Self.jsonObject(json.stdout)
        #expect((object["groups"] as? [Any])?.isEmpty == true && (object["totals"] as? [String: Any])?["requests"] as? Int == 0)
        let csv = try ReportFixture.run(args + ["--format", "csv"])
        #expect(csv.status == 0 && csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 1)
        #expect(csv.stdout.hasPrefix("user,requests,"))
        let markdown = try ReportFixture.run(args + ["--format", "markdown"])
        #expect(markdown.status == 0 && markdown.stdout.contains(line))
        let html = try ReportFixture.run(args + ["--format", "html"])
        #expect(html.status == 0 && html.stdout.contains(line))
        #expect(HTMLWellFormedness.problems(html.stdout).isEmpty)
    }

    @Test func nullUsageIsCountedAsUnknownNotZero() throws {
        func record(_ i: Int, prompt: Int?, completion: Int?, source: UsageRecord.Source) -> UsageRecord {
            UsageRecord(ts: ReportFixture.start + i, user: "u", model: "m", promptTokens: prompt, completionTokens: completion,
                        durationMs: 1000, requestID: "r\(i)", keyID: nil, status: 200, stream: false, ttftMs: nil,
                        usageSource: source, reason: nil, clientIP: nil)
        }
        let fixture = try ReportFixture(records: [
            record(0, prompt: 100, completion: 50, source: .upstream), record(1, prompt: 40, completion: 10, source: .estimated),
            record(2, prompt: nil, completion: nil, source: .none), record(3, prompt: 7, completion: nil, source: .estimated),
        ])
        defer { fixture.remove() }
        for source in [["--db", fixture.databasePath], ["--jsonl", fixture.journalPath]] {
            let run = try ReportFixture.run(source + Self.window + ["--format", "json"])
            let group = try #require((Self.jsonObject(run.stdout)["groups"] as? [[String: Any]])?.first)
            #expect(group["prompt_tokens"] as? Int == 147 && group["completion_tokens"] as? Int == 60)
            #expect(group["total_tokens"] as? Int == 207 && group["records_without_usage"] as? Int == 2)
            // tokens/s over 2xx with known completion: 60 tokens / 2 s.
            #expect(group["completion_tokens_per_s"] as? Double == 30)
            let table = try ReportFixture.run(source + Self.window)
            let tokens = ReportOutputParsing.tableSection(table.stdout, "Tokens")
            #expect(tokens.count == 2 && tokens[1] == ["u", "147", "60", "207", "2", "100.0%"])
        }
    }

    @Test func journalMalformedLinesAreSkippedCountedAndNamed() throws {
        let fixture = try ReportFixture(records: ReportFixture.generated(count: 60))
        defer { fixture.remove() }
        var lines = fixture.records.map { String(decoding: $0.jsonLine.dropLast(), as: UTF8.self) }
        let garbage = ["not json", "{\"ts\":\"2026-11-26T09:10:00Z\",\"user\":\"x\"}", "{\"ts\":\"2026-11-26T09:1", "[1,2]", "{}",
                       "{\"ts\":\"2026-13-26T09:10:00Z\",\"user\":\"x\",\"model\":null,\"prompt_tokens\":1,\"completion_tokens\":1,\"duration_ms\":1,\"request_id\":\"r\",\"key_id\":null,\"status\":200,\"stream\":false,\"ttft_ms\":null,\"usage_source\":\"upstream\",\"reason\":null,\"client_ip\":null}"]
        var malformedLineNumbers: [Int] = []
        for (offset, bad) in garbage.enumerated() {
            let at = 5 + offset * 7
            lines.insert(bad, at: at)
            malformedLineNumbers.append(at + 1)
        }
        let torn = String(decoding: fixture.records[0].jsonLine.prefix(70), as: UTF8.self)
        let path = fixture.directory + "/broken.jsonl"
        try (lines.joined(separator: "\n") + "\n" + torn).write(toFile: path, atomically: true, encoding: .utf8)
        malformedLineNumbers.append(lines.count + 1)

        let run = try ReportFixture.run(["--jsonl", path, "--format", "json"] + Self.window)
        #expect(run.status == 0)
        let reported = run.stderr.split(separator: "\n").map(String.init)
        #expect(reported == malformedLineNumbers.map { "usage-report: \(path):\($0): skipped malformed record" })
        // The good lines count exactly as in the clean journal.
        let clean = try ReportFixture.run(["--jsonl", fixture.journalPath, "--format", "json"] + Self.window)
        #expect(run.stdout == clean.stdout)

        // More than 10: the first 10 are named, then one count line.
        let many = (0..<25).map { "junk \($0)" }.joined(separator: "\n") + "\n"
        let flood = try ReportFixture.run(["--jsonl", "-", "--format", "json"] + Self.window, stdin: many)
        let floodLines = flood.stderr.split(separator: "\n")
        #expect(flood.status == 0 && floodLines.count == 11)
        #expect(floodLines.first == "usage-report: (stdin):1: skipped malformed record")
        #expect(floodLines.last == "usage-report: skipped 15 more malformed record(s) (25 in all)")
    }

    @Test func journalLinesOffTheFastPathCountTheSame() throws {
        let fixture = try ReportFixture(records: ReportFixture.generated(count: 200))
        defer { fixture.remove() }
        // The same records re-encoded the way another tool might: keys reversed, spaces, escapes, CRLF.
        var text = ""
        for (i, record) in fixture.records.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.jsonLine)) as? [String: Any])
            var fields = object.sorted { $0.key > $1.key }.map { key, value -> String in
                let encoded = String(decoding: try! JSONSerialization.data(withJSONObject: [key: value], options: [.fragmentsAllowed]), as: UTF8.self)
                return String(encoded.dropFirst().dropLast())
            }
            if i % 3 == 0 { fields.append("\"extra\": {\"nested\": [1, 2]}") }
            text += "{ " + fields.joined(separator: " , ") + " }" + (i % 2 == 0 ? "\r\n" : "\n")
        }
        let path = fixture.directory + "/reordered.jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let reordered = try ReportFixture.run(["--jsonl", path, "--format", "json"] + Self.window)
        let direct = try ReportFixture.run(["--db", fixture.databasePath, "--format", "json"] + Self.window)
        #expect(reordered.status == 0 && reordered.stderr.isEmpty, "\(reordered.stderr)")
        #expect(reordered.stdout == direct.stdout)
    }

    @Test func rotatedJournalsAndStdinAddUp() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let lines = fixture.records.map { String(decoding: $0.jsonLine, as: UTF8.self) }
        let older = fixture.directory + "/usage.jsonl.1"
        let newer = fixture.directory + "/usage.jsonl.0"
        try lines[..<400].joined().write(toFile: older, atomically: true, encoding: .utf8)
        try lines[400...].joined().write(toFile: newer, atomically: true, encoding: .utf8)
        let whole = try ReportFixture.run(["--db", fixture.databasePath, "--format", "json", "--by", "hour"] + Self.window)
        let rotated = try ReportFixture.run(["--jsonl", older, "--jsonl", newer, "--format", "json", "--by", "hour"] + Self.window)
        let piped = try ReportFixture.run(["--jsonl", "-", "--format", "json", "--by", "hour"] + Self.window, stdin: lines.joined())
        #expect(whole.status == 0 && rotated.stdout == whole.stdout && piped.stdout == whole.stdout)
    }

    @Test func dashboardIsWellFormedSelfContainedAndNamesEveryUser() throws {
        var records = ReportFixture.generated()
        for i in records.indices where i % 9 == 0 { records[i].user = "dan<b>&\"o'neil\"" }
        let fixture = try ReportFixture(records: records)
        defer { fixture.remove() }
        let out = fixture.directory + "/dashboard.html"
        let run = try ReportFixture.run(["--db", fixture.databasePath, "--format", "html", "--out", out] + Self.window)
        #expect(run.status == 0 && run.stdout.isEmpty)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(HTMLWellFormedness.problems(html) == [])
        let escaped = ["dan<b>&\"o'neil\"": "dan&lt;b&gt;&amp;&quot;o&#39;neil&quot;"]
        for user in Set(records.compactMap(\.user)) {
            #expect(html.contains(">" + (escaped[user] ?? user) + "<"), "\(user) missing")
        }
        #expect(!html.contains("<b>&"))
        #expect(html.contains("<meta name=\"viewport\""))
        #expect(html.contains("<svg") && html.contains("<rect"))
        for external in ["<script", "src=", "href=", "url(", "@import", "http:", "https:", "<link", "<img", "<iframe"] {
            #expect(!html.lowercased().contains(external), "external reference: \(external)")
        }
        // Every user's tokens appear in the stacked chart's tooltips.
        #expect(html.contains("<title>alice 2026-11-26 09:00: "))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func alertsExitOneWithAStderrLinePerCrossing() throws {
        let fixture = try ReportFixture()
        defer { fixture.remove() }
        let expected = fixture.expectedGroups(from: Self.fromTs, to: Self.toTs, key: Self.key("user"))
        let maxTokens = try #require(expected.values.map(\.total).max())
        let maxErrors = try #require(expected.values.map(\.errors).max())
        let quiet = try ReportFixture.run(["--db", fixture.databasePath, "--alert-tokens", String(maxTokens),
                                           "--alert-errors", String(maxErrors), "--kv-warn-share", "1"] + Self.window)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        let threshold = maxTokens - 1
        let loud = try ReportFixture.run(["--db", fixture.databasePath, "--alert-tokens", String(threshold), "--kv-warn-share", "1"] + Self.window)
        #expect(loud.status == 1)
        let overTokens = expected.filter { $0.value.total > threshold }.count
        #expect(loud.stderr.split(separator: "\n").filter { $0.hasPrefix("usage-report: ALERT: user ") }.count == overTokens)
        let errors = try ReportFixture.run(["--db", fixture.databasePath, "--alert-errors", "0", "--kv-warn-share", "1"] + Self.window)
        #expect(errors.status == 1)
        #expect(errors.stderr.split(separator: "\n").count == expected.values.filter { $0.errors > 0 }.count)
        #expect(loud.stdout == quiet.stdout)
    }

    @Test(arguments: [
        ["--bogus"], ["--since", "3x"], ["--since", "1h", "--from", "2026-01-01"], ["--from", "2026-11-26T10:00:00Z", "--to", "2026-11-26T09:00:00Z"],
        ["--from", "2026-11-26T10:00:00Z", "--to", "2026-11-26T10:00:00Z"], ["--db", "a", "--jsonl", "b"], ["--by", "team"],
        ["--format", "pdf"], ["--to", "2026-11-26T09:00:00Z"], ["--since"], ["--alert-tokens", "-1"], ["--kv-warn-share", "2"],
        ["--now", "yesterday"], ["--db", "/nonexistent/ds4.sqlite"], ["--jsonl", "/nonexistent/usage.jsonl"], ["stray"],
        ["--by", "user", "--by", "model"], ["--from", "2026-02-31"],
    ])
    func mistakesAreOneLineAndExitTwo(arguments: [String]) throws {
        let run = try ReportFixture.run(arguments)
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1 && lines[0].hasPrefix("usage-report: "), "\(run.stderr)")
    }

    @Test func helpDocumentsEveryOption() throws {
        let run = try ReportFixture.run(["--help"])
        #expect(run.status == 0 && run.stderr.isEmpty)
        for spec in ReportCommandLine.options { #expect(run.stdout.contains(spec.name + " ") || run.stdout.contains(spec.name + "\n")) }
        #expect(run.stdout.contains("[from, to)") && run.stdout.contains("Exit status"))
        for line in run.stdout.split(separator: "\n") { #expect(line.count <= 100, "\(line)") }
    }

    /// The generator's help is help too: on stdout, exit 0, nothing written.
    @Test func generateHelpExitsZero() throws {
        for arguments in [["--records", "5", "--help"], ["-h"], ["--days", "3", "-h", "--records", "x"]] {
            let run = try ReportFixture.run(["generate"] + arguments)
            #expect(run.status == 0 && run.stderr.isEmpty, "\(arguments): \(run.stderr)")
            #expect(run.stdout.hasPrefix("usage-report generate --records N"), "\(run.stdout)")
        }
        let bad = try ReportFixture.run(["generate", "--records", "x"])
        #expect(bad.status == 2 && bad.stdout.isEmpty && bad.stderr.contains("--records"), "\(bad.stderr)")
    }

    @Test func missingDatabaseIsNeverCreated() throws {
        let directory = ProxyProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/ds4.sqlite"
        let run = try ReportFixture.run(["--db", path])
        #expect(run.status == 2 && run.stderr.contains("no such database"))
        #expect(!FileManager.default.fileExists(atPath: path))
        try Data([0x1F, 0x8B, 0x08, 0x00]).write(to: URL(fileURLWithPath: directory + "/usage.jsonl.2.gz"))
        let gz = try ReportFixture.run(["--jsonl", directory + "/usage.jsonl.2.gz"])
        #expect(gz.status == 2 && gz.stderr.contains("gzip"))
    }
}
