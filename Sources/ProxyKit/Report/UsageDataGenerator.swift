import Glibc

/// `usage-report generate`: a seeded, realistic data set for the benchmark — a few users with
/// uneven traffic, three models, streams with TTFT, estimated and missing usage, 5xx errors and
/// every kind of rejection — written as a JSONL journal and/or a SQLite index with the proxy's
/// schema. Not in `--help`: it is a tool for `scripts/bench_report`, not for admins.
struct UsageDataGenerator {
    struct Options: Sendable, Hashable {
        var records = 1_000_000
        var databasePath: String?
        var journalPath: String?
        var seed: UInt64 = 1
        /// The last record's time (exclusive); default now.
        var end: Int?
        /// Records spread evenly over this many days before `end`.
        var days = 365

        static let usage = """
            usage-report generate --records N [--db FILE] [--jsonl FILE] [--seed S] [--end T] [--days D]
              writes N synthetic usage records spread over D days (default 365) ending at T (default now);
              refuses to touch files that exist. A benchmark tool.

            """

        /// The options, or nil when `--help`/`-h` stands where an option name goes.
        static func parse(_ arguments: [String]) throws(ReportError) -> Options? {
            var options = Options()
            var rest = arguments[...]
            while let name = rest.popFirst() {
                if name == "--help" || name == "-h" { return nil }
                guard let value = rest.popFirst() else { throw .usage("generate: \(name) needs a value") }
                switch name {
                case "--records":
                    guard let n = Int(value), n > 0 else { throw .usage("generate: --records needs a positive number") }
                    options.records = n
                case "--db": options.databasePath = value
                case "--jsonl": options.journalPath = value
                case "--seed":
                    guard let seed = UInt64(value) else { throw .usage("generate: --seed needs a whole number") }
                    options.seed = seed
                case "--end":
                    guard let end = TimeSpec.date(value) else { throw .usage("generate: --end '\(value)' is not a UTC time") }
                    options.end = end
                case "--days":
                    guard let days = Int(value), days > 0 else { throw .usage("generate: --days needs a positive number") }
                    options.days = days
                default: throw .usage("generate: unknown option '\(name)'")
                }
            }
            guard options.databasePath != nil || options.journalPath != nil else { throw .usage("generate: give --db FILE and/or --jsonl FILE") }
            return options
        }
    }

    let options: Options

    static let users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
    static let userWeights = [30, 20, 15, 10, 10, 7, 5, 3]
    static let models = ["deepseek-v4-flash", "deepseek-v4-flash-long", "qwen3-embedding"]

    func run() throws(ReportError) {
        for path in [options.databasePath, options.journalPath].compactMap({ $0 }) {
            var info = stat()
            if stat(path, &info) == 0 { throw .output("generate: \(path) exists; give a new file") }
        }
        let end = options.end ?? Int(time(nil))
        let span = options.days * 86_400
        var journal = try options.journalPath.map { path throws(ReportError) in try JournalFile(path: path) }
        let index = try options.databasePath.map { path throws(ReportError) in try IndexFile(path: path) }
        var random = SplitMix64(seed: options.seed)
        for i in 0..<options.records {
            let record = Self.record(number: i, ts: end - span + Int(Int64(i) * Int64(span) / Int64(options.records)), &random)
            try journal?.append(record)
            try index?.insert(record)
        }
        try journal?.close()
        try index?.finish()
    }

    /// One record: the outcome decides the status, the reason and which counts are known.
    static func record(number: Int, ts: Int, _ random: inout SplitMix64) -> UsageRecord {
        var pick = random.below(100)
        var userIndex = 0
        while pick >= userWeights[userIndex] { pick -= userWeights[userIndex]; userIndex += 1 }
        let roll = random.below(1000)
        let model = models[roll % 7 == 0 ? 1 : (roll % 11 == 0 ? 2 : 0)]
        let stream = random.below(10) < 6
        // Prompt sizes are log-uniform from 50 to 150,000 tokens: mostly small, a long tail.
        let prompt = Int(exp(log(50.0) + random.unit() * (log(150_000.0) - log(50.0))))
        let completion = 1 + random.below(4000)
        let duration = 150 + completion * 20 + prompt / 40 + random.below(500)
        let ttft = stream ? 80 + prompt / 80 + random.below(300) : nil
        var record = UsageRecord(
            ts: ts, user: users[userIndex], model: model, promptTokens: prompt, completionTokens: completion,
            durationMs: duration, requestID: "r" + String(number, radix: 16), keyID: "k\(userIndex)key0", status: 200,
            stream: stream, ttftMs: ttft, usageSource: .upstream, reason: nil, clientIP: "100.64.0.\(userIndex + 1)")
        func rejected(_ status: Int, _ reason: String) {
            record.status = status
            record.reason = reason
            record.promptTokens = nil
            record.completionTokens = nil
            record.ttftMs = nil
            record.usageSource = .none
            record.durationMs = 1 + random.below(5)
        }
        switch roll {
        case 0..<20:
            record.usageSource = .estimated
            record.reason = UsageReason.noUsageReported
        case 20..<35: record.reason = UsageReason.contextClamped
        case 35..<55: rejected(429, UsageReason.rateLimited)
        case 55..<65: rejected(429, UsageReason.quotaExceeded)
        case 65..<70: rejected(400, UsageReason.contextCapExceeded)
        case 70..<80: rejected(403, UsageReason.modelNotAllowed)
        case 80..<95:
            rejected(401, UsageReason.invalidAPIKey)
            record.user = nil
            record.keyID = nil
        case 95..<105:
            rejected(502, UsageReason.upstreamUnreachable)
            record.durationMs = 5 + random.below(50)
        case 105..<110:
            record.status = 500
            record.reason = UsageReason.upstreamError
            record.completionTokens = nil
        case 110..<120:
            record.status = 499
            record.reason = UsageReason.clientDisconnected
            record.usageSource = .estimated
            record.completionTokens = completion / 3
        default: break
        }
        return record
    }

    /// The JSONL side: lines gathered into 4 MiB writes.
    struct JournalFile {
        let path: String
        let fd: Int32
        var buffer: [UInt8] = []

        init(path: String) throws(ReportError) {
            self.path = path
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .output("generate: cannot create \(path): \(String(cString: strerror(errno)))") }
            buffer.reserveCapacity(JSONLUsageReader.chunkSize + 4096)
        }

        mutating func append(_ record: UsageRecord) throws(ReportError) {
            buffer.append(contentsOf: record.jsonLine)
            if buffer.count >= JSONLUsageReader.chunkSize { try flush() }
        }

        mutating func flush() throws(ReportError) {
            var offset = 0
            while offset < buffer.count {
                let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                guard written > 0 || errno == EINTR else { throw .output("generate: write \(path): \(String(cString: strerror(errno)))") }
                offset += max(written, 0)
            }
            buffer.removeAll(keepingCapacity: true)
        }

        mutating func close() throws(ReportError) {
            try flush()
            _ = Glibc.close(fd)
        }
    }

    /// The SQLite side: the proxy's schema, one transaction, one prepared INSERT, and the usage
    /// indexes built after the rows (much faster than maintaining them per row).
    final class IndexFile {
        let db: SQLiteConnection
        var inserter: UsageIndex.RowInserter

        init(path: String) throws(ReportError) {
            do {
                db = try SQLiteConnection(path: path)
                try db.execute("PRAGMA journal_mode=DELETE")
                try db.execute("PRAGMA synchronous=OFF")
                try db.migrate(ProxyDatabase.migrations)
                try db.execute("DROP INDEX usage_ts; DROP INDEX usage_user_ts; BEGIN")
                inserter = try UsageIndex.RowInserter(db: db)
            } catch {
                throw .output("generate: \(path): \(error.message)")
            }
        }

        func insert(_ r: UsageRecord) throws(ReportError) {
            do { try inserter.insert(r) } catch { throw .output("generate: insert: \(error.message)") }
        }

        /// A generation that failed half way still closes its connection.
        deinit { db.close() }

        func finish() throws(ReportError) {
            do {
                try db.execute("COMMIT")
                try db.execute("CREATE INDEX usage_ts ON usage(ts); CREATE INDEX usage_user_ts ON usage(user, ts)")
                try db.execute("PRAGMA journal_mode=WAL")
                db.close()
            } catch {
                throw .output("generate: \(error.message)")
            }
        }
    }
}
