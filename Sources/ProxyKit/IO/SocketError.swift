#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a socket, or a socket-level condition the caller must handle.
public enum SocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `op` failed with `errno`.
    case failed(op: String, errno: Int32)
    /// The peer closed the connection (EOF, ECONNRESET or EPIPE).
    case disconnected
    /// A deadline passed before the operation could complete.
    case timedOut
    /// A host or address could not be resolved or parsed.
    case badAddress(String)

    /// Captures `errno` right after a failed call (errno is only valid after a -1 return).
    static func makeFailed(_ op: String) -> SocketError {
        let code = errno
        if code == ECONNRESET || code == EPIPE { return .disconnected }
        return .failed(op: op, errno: code)
    }

    /// `strerror` text for an errno value.
    static func message(for code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: strlen(text)), as: UTF8.self)
    }

    public var description: String {
        switch self {
        case let .failed(op, code): return "\(op) failed: \(SocketError.message(for: code))"
        case .disconnected: return "connection closed by peer"
        case .timedOut: return "timed out"
        case let .badAddress(text): return "bad address: \(text)"
        }
    }
}
