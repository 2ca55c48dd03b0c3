import Glibc

/// Reads usage records from journal files (`usage.jsonl`, rotated `usage.jsonl.1`…, or `-` for
/// stdin) into an aggregator. Files are read in 4 MiB `read(2)` chunks and split at newlines in
/// place; each line goes through `JSONLFastLineParser`, and only lines it declines through the
/// general `UsageRecord(jsonLine:)` parser. A line neither accepts is skipped and counted; a
/// last line without a newline (a write torn by a crash) is parsed like any other.
struct JSONLUsageReader {
    let paths: [String]

    /// Bytes per `read(2)`.
    static let chunkSize = 4 << 20
    /// Lines longer than this are malformed without being parsed (no record is near it).
    static let maxLineBytes = 64 << 20

    func read(into aggregator: inout UsageAggregator) throws(ReportError) -> JSONLReadSummary {
        var summary = JSONLReadSummary()
        var parser = JSONLFastLineParser()
        for path in paths {
            try readFile(path, into: &aggregator, parser: &parser, summary: &summary)
        }
        return summary
    }

    private func readFile(_ path: String, into aggregator: inout UsageAggregator, parser: inout JSONLFastLineParser,
                          summary: inout JSONLReadSummary) throws(ReportError) {
        let name = path == "-" ? "(stdin)" : path
        let fd: Int32
        if path == "-" {
            fd = STDIN_FILENO
        } else {
            var info = stat()
            guard stat(path, &info) == 0 else { throw .input("\(path): no such file") }
            guard (info.st_mode & S_IFMT) != S_IFDIR else { throw .input("\(path): is a directory") }
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .input("\(path): cannot open: \(String(cString: strerror(errno)))") }
        }
        defer { if fd != STDIN_FILENO { close(fd) } }

        var capacity = Self.chunkSize
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        var discarding = false
        var firstRead = true

        func handle(_ start: Int, _ end: Int) {
            lineNumber += 1
            guard end > start else { return }
            let line = UnsafeBufferPointer(start: buffer + start, count: end - start)
            switch parser.parse(line, window: aggregator.window, users: &aggregator.users, models: &aggregator.models) {
            case let .inWindow(sample): aggregator.add(sample)
            case .outsideWindow: break
            case .declined: fallback(line)
            }
        }

        func fallback(_ line: UnsafeBufferPointer<UInt8>) {
            if let record = UsageRecord(jsonLine: Array(line)) {
                if aggregator.window.contains(record.ts) { aggregator.add(sample(of: record, &aggregator)) }
            } else {
                summary.noteMalformed(file: name, line: lineNumber)
            }
        }

        while true {
            let count = Glibc.read(fd, buffer + filled, capacity - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw .input("\(name): read failed: \(String(cString: strerror(errno)))")
            }
            if firstRead && count >= 2 && buffer[0] == 0x1F && buffer[1] == 0x8B {
                throw .input("\(name): gzip-compressed; decompress it first (zcat FILE | usage-report --jsonl -)")
            }
            firstRead = false
            summary.bytes += count
            if count == 0 {
                // The last line has no newline: a complete record, or a torn write.
                if filled > 0 && !discarding { handle(0, filled) }
                break
            }
            let end = filled + count
            var lineStart = 0
            var search = filled
            while search < end, let newline = memchr(buffer + search, 0x0A, end - search) {
                let at = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                if discarding {
                    discarding = false
                    lineNumber += 1
                    summary.noteMalformed(file: name, line: lineNumber)
                } else {
                    handle(lineStart, at)
                }
                lineStart = at + 1
                search = lineStart
            }
            filled = end - lineStart
            if lineStart > 0 && filled > 0 { memmove(buffer, buffer + lineStart, filled) }
            if filled == capacity {
                if capacity >= Self.maxLineBytes {
                    discarding = true
                    filled = 0
                } else {
                    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                    grown.update(from: buffer, count: filled)
                    buffer.deallocate()
                    buffer = grown
                    capacity *= 2
                }
            }
        }
        if discarding {
            lineNumber += 1
            summary.noteMalformed(file: name, line: lineNumber)
        }
        summary.lines += lineNumber
    }

    /// A record from the general parser as a sample.
    private func sample(of record: UsageRecord, _ aggregator: inout UsageAggregator) -> UsageSample {
        UsageSample(
            ts: record.ts, user: aggregator.users.id(for: record.user), model: aggregator.models.id(for: record.model),
            promptTokens: record.promptTokens ?? -1, completionTokens: record.completionTokens ?? -1,
            durationMs: record.durationMs, status: record.status, ttftMs: record.ttftMs ?? -1, stream: record.stream,
            reason: LimitReason(record.reason))
    }
}
