#if canImport(Glibc)
import Glibc
#endif

/// Restores the index from the journal after a crash: every journal line newer than the
/// index's newest record (minus a margin: the index writer takes records in journal order, give or take concurrent requests) and missing from
/// the index (by request id and ts) is inserted. Only the journal's tail is read.
public enum UsageReconciler {
    /// Lines are considered back to this many seconds before the index's newest record
    /// (journal order and index order differ only between concurrent requests). Default 5.
    static let marginSeconds = 5

    /// Returns how many records were inserted.
    public static func reconcile(journalPath: String, db: SQLiteConnection) throws(SQLiteError) -> Int {
        let newest = try UsageIndex.newestTimestamp(in: db)
        let threshold = newest.map { $0 - marginSeconds }
        let candidates = tailRecords(path: journalPath, since: threshold)
        guard !candidates.isEmpty else { return 0 }
        let from = candidates.map(\.ts).min()!
        var present = Set<String>()
        let statement = try db.prepare("SELECT request_id, ts FROM usage WHERE ts >= ?")
        try statement.bind([.integer(Int64(from))])
        while try statement.step() { present.insert("\(statement.text(0))@\(statement.int(1))") }
        var missing: [UsageRecord] = []
        for record in candidates where !present.contains("\(record.requestID)@\(record.ts)") {
            missing.append(record)
            present.insert("\(record.requestID)@\(record.ts)")
        }
        try UsageIndex.insert(missing, into: db)
        return missing.count
    }

    /// Journal records with `ts >= since` (all of them when `since` is nil), reading the file
    /// backwards in growing blocks until a line older than `since` is reached.
    static func tailRecords(path: String, since: Int?) -> [UsageRecord] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return [] }
        let size = Int(info.st_size)
        var blockSize = 1 << 20
        while true {
            let start = since == nil ? 0 : max(0, size - blockSize)
            var bytes = [UInt8](repeating: 0, count: size - start)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
            guard n == bytes.count else { return [] }
            var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true)
            if start > 0, !lines.isEmpty { lines.removeFirst() }  // possibly a partial line
            var records: [UsageRecord] = []
            var reachedOlder = false
            for line in lines {
                guard let record = UsageRecord(jsonLine: Array(line)) else { continue }
                if let since, record.ts < since { reachedOlder = true; continue }
                records.append(record)
            }
            if start == 0 || reachedOlder { return records }
            blockSize *= 4
        }
    }
}
