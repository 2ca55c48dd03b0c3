/// What reading the journal files found besides records: for stderr and the benchmark.
struct JSONLReadSummary: Sendable, Hashable {
    /// Malformed lines named one by one on stderr; the rest are only counted.
    static let listedLimit = 10

    var bytes = 0
    var lines = 0
    var malformed = 0
    /// The first `listedLimit` malformed lines: (file, 1-based line number).
    var listed: [MalformedLine] = []

    struct MalformedLine: Sendable, Hashable {
        let file: String
        let line: Int
    }

    mutating func noteMalformed(file: String, line: Int) {
        malformed += 1
        if listed.count < Self.listedLimit { listed.append(MalformedLine(file: file, line: line)) }
    }

    /// `usage-report: FILE:LINE: skipped malformed record` lines, then a count of the others.
    var stderrLines: [String] {
        var out = listed.map { "usage-report: \($0.file):\($0.line): skipped malformed record" }
        if malformed > listed.count {
            out.append("usage-report: skipped \(malformed - listed.count) more malformed record(s) (\(malformed) in all)")
        }
        return out
    }
}
