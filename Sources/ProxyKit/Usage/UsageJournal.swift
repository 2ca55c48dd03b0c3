#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The usage journal: `usage.jsonl`, opened `O_APPEND`, one `write(2)` per complete line, so
/// lines never interleave or tear (the kernel serialises appends to a regular file). No lock is
/// taken on the request path: `reopen()` (SIGHUP, logrotate `create`) and `reopenIfMoved()`
/// (polled) `dup2` the new file onto the same descriptor number, which atomically swaps the
/// file under it; a write already under way finishes on the old file.
public final class UsageJournal: Sendable {
    /// File name inside the data directory.
    public static let fileName = "usage.jsonl"

    public let path: String
    /// Fixed for the journal's life (see `reopen()`); -1 after `close()`.
    private let fd: Int32
    private let closed = Atomic<Bool>(false)
    /// Serialises reopen/close against each other (never taken by `append`).
    private let reopenLock = Mutex(())

    public init(path: String) throws(SocketError) {
        self.path = path
        fd = try Self.open(path)
    }

    static func open(_ path: String) throws(SocketError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .makeFailed("open \(path)") }
        return fd
    }

    /// Appends one line with a single `write(2)`. Returns false when it could not be written.
    @discardableResult
    public func append(_ line: [UInt8]) -> Bool {
        guard !closed.load(ordering: .relaxed) else { return false }
        return line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n  // a short write to a regular file only happens when the disk is full
            }
            return true
        }
    }

    /// Opens the path again (after logrotate moved the file away) and swaps it in.
    public func reopen() throws(SocketError) {
        try reopenLock.withLock { _ throws(SocketError) in
            guard !closed.load(ordering: .relaxed) else { return }
            let fresh = try Self.open(path)
            defer { _ = Glibc.close(fresh) }
            guard dup2(fresh, fd) >= 0 else { throw .makeFailed("dup2") }
        }
    }

    /// Reopens when the path no longer names the open file (moved or deleted). Returns whether
    /// it reopened.
    @discardableResult
    public func reopenIfMoved() -> Bool {
        var onDisk = stat()
        var open = stat()
        let moved = stat(path, &onDisk) != 0 || fstat(fd, &open) != 0 || onDisk.st_ino != open.st_ino || onDisk.st_dev != open.st_dev
        if moved { try? reopen() }
        return moved
    }

    /// Stops appending: later appends return false. The descriptor number stays reserved (it
    /// now points at /dev/null), so an append racing with this can never write into whatever
    /// file or socket would otherwise reuse the number.
    public func close() {
        reopenLock.withLock { _ in
            guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
            let null = Glibc.open("/dev/null", O_WRONLY | O_CLOEXEC)
            if null >= 0 {
                _ = dup2(null, fd)
                _ = Glibc.close(null)
            }
        }
    }
}
