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
        repairedBytes = Self.repairTornTail(path)
    }

    /// Bytes of a torn last line removed at open (0 when the journal ended cleanly).
    public let repairedBytes: Int

    /// A `kill -9` during a `write(2)` that crosses a page boundary can leave half a line
    /// (the kernel stops between pages for a fatal signal). That request's client never saw
    /// its response complete, so the fragment is cut off, and the next line starts clean.
    static func repairTornTail(_ path: String) -> Int {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { _ = Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return 0 }
        let size = Int(info.st_size)
        let window = min(size, 1 << 20)
        var tail = [UInt8](repeating: 0, count: window)
        let n = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(size - window)) }
        guard n == window, tail.last != 0x0A else { return 0 }
        let keep = tail.lastIndex(of: 0x0A).map { size - window + $0 + 1 } ?? (window == size ? 0 : size)
        guard keep < size, ftruncate(fd, off_t(keep)) == 0 else { return 0 }
        return size - keep
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
