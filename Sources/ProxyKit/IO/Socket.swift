#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP socket: a thin value wrapper over a file descriptor. Every wait is a
/// `poll()` bounded by a `Deadline`. Whoever opened a socket closes it, exactly once.
public struct Socket: Sendable, Hashable {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    /// Linux `POLLRDHUP` (peer shut down its write side); Glibc exports it only with _GNU_SOURCE.
    static let pollReadHangUp: Int16 = 0x2000

    /// Result of one non-blocking read.
    public enum ReadResult: Sendable, Hashable {
        case bytes(Int)
        case endOfFile
        case wouldBlock
    }

    // MARK: - Options

    func setNonBlocking() throws(SocketError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw .makeFailed("fcntl") }
    }

    /// Disables Nagle's algorithm so each small SSE chunk leaves at once.
    public func setNoDelay() {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Makes `close` send RST instead of FIN: used to abort an upstream stream at once.
    public func setLingerReset() {
        var value = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<linger>.size))
    }

    public func close() {
        Poller.shared.forget(fd)
        _ = Glibc.close(fd)
    }

    /// Stops further reads and writes without releasing the descriptor (wakes pollers).
    public func shutdownBoth() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    // MARK: - Reading

    /// One `read(2)` into `buffer`; never blocks.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> ReadResult {
        while true {
            let n = Glibc.recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            throw .makeFailed("recv")
        }
    }

    /// Reads at least one byte, waiting until `deadline`. `.endOfFile` when the peer closed.
    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(SocketError) -> ReadResult {
        while true {
            let result = try read(into: buffer)
            if result != .wouldBlock { return result }
            try wait(for: Int16(POLLIN), deadline: deadline)
        }
    }

    // MARK: - Writing

    /// Writes every byte. The peer must make progress: the write fails with `.timedOut` when
    /// no byte could be written for `stallTimeout` seconds (a slow reader is back-pressure,
    /// a stalled one is an error). Memory stays bounded: nothing is queued here.
    public func write(_ bytes: UnsafeRawBufferPointer, stallTimeout: Double) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(for: Int16(POLLOUT), deadline: .after(seconds: stallTimeout))
                continue
            }
            throw .makeFailed("send")
        }
    }

    public func write(_ bytes: [UInt8], stallTimeout: Double) throws(SocketError) {
        // `withUnsafeBytes` only rethrows untyped errors; carry the typed one out by hand.
        var failure: SocketError?
        bytes.withUnsafeBytes { raw in
            do throws(SocketError) { try write(raw, stallTimeout: stallTimeout) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    // MARK: - Suspending (tasks on the poller)

    /// Reads at least one byte, suspending (not blocking) until `deadline`.
    public func readAsync(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) async throws(SocketError) -> ReadResult {
        while true {
            let result = try read(into: buffer)
            if result != .wouldBlock { return result }
            if await Poller.shared.wait(.readable(fd), deadline: deadline) == .timedOut { throw .timedOut }
        }
    }

    /// Writes every byte, suspending while the peer's window is full; fails with `.timedOut`
    /// when no byte could be written for `stallTimeout` seconds.
    public func writeAsync(_ bytes: [UInt8], stallTimeout: Double) async throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if await Poller.shared.wait(.writable(fd), deadline: .after(seconds: stallTimeout)) == .timedOut { throw .timedOut }
                continue
            }
            throw .makeFailed("send")
        }
    }

    // MARK: - Waiting

    /// Waits until `events` are ready or `deadline` passes.
    public func wait(for events: Int16, deadline: Deadline) throws(SocketError) {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let timeout = deadline.pollTimeoutMilliseconds
            let n = poll(&pfd, 1, timeout)
            if n > 0 { return }
            if n == 0 { throw .timedOut }
            if errno == EINTR { continue }
            throw .makeFailed("poll")
        }
    }

    /// Whether the peer has closed or reset the connection, checked without consuming any
    /// pipelined bytes it may have sent.
    public func peerHasHungUp() -> Bool {
        var pfd = pollfd(fd: fd, events: Socket.pollReadHangUp, revents: 0)
        let n = poll(&pfd, 1, 0)
        return n > 0 && (pfd.revents & (Socket.pollReadHangUp | Int16(POLLHUP) | Int16(POLLERR))) != 0
    }
}
