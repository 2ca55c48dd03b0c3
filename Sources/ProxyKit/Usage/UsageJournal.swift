#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The usage journal: `usage.jsonl`, opened `O_APPEND`, one `write(2)` per complete line, so
/// lines never interleave or tear. `reopen()` (SIGHUP, logrotate `create`) and
/// `reopenIfMoved()` (polled) switch to a new file at the same path.
public final class UsageJournal: Sendable {
    /// File name inside the data directory.
    public static let fileName = "usage.jsonl"

    public let path: String
    private let fd: Mutex<Int32>

    public init(path: String) throws(SocketError) {
        self.path = path
        fd = Mutex(try Self.open(path))
    }

    static func open(_ path: String) throws(SocketError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .makeFailed("open \(path)") }
        return fd
    }

    /// Appends one line with a single `write(2)`. Returns false when it could not be written.
    @discardableResult
    public func append(_ line: [UInt8]) -> Bool {
        fd.withLock { fd in
            line.withUnsafeBytes { raw in
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
    }

    /// Opens the path again (after logrotate moved the file away) and closes the old file.
    public func reopen() throws(SocketError) {
        let fresh = try Self.open(path)
        let old = fd.withLock { fd in
            defer { fd = fresh }
            return fd
        }
        _ = Glibc.close(old)
    }

    /// Reopens when the path no longer names the open file (moved or deleted). Returns whether
    /// it reopened.
    @discardableResult
    public func reopenIfMoved() -> Bool {
        var onDisk = stat()
        var open = stat()
        let current = fd.withLock { $0 }
        let moved = stat(path, &onDisk) != 0 || fstat(current, &open) != 0 || onDisk.st_ino != open.st_ino || onDisk.st_dev != open.st_dev
        if moved { try? reopen() }
        return moved
    }

    public func close() {
        fd.withLock { fd in
            if fd >= 0 { _ = Glibc.close(fd) }
            fd = -1
        }
    }
}
