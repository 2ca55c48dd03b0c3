#if canImport(Glibc)
import Glibc
#endif

/// A host and port as given in configuration (`127.0.0.1:8643`, `[::1]:8643`, `localhost:80`).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; IPv6 hosts are bracketed. Port 0 asks for an ephemeral port.
    public init?(parsing text: String) {
        var hostPart: Substring
        var portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return nil }
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else { return nil }
        self.host = String(hostPart)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// One resolved address.
    struct Resolved {
        var family: Int32
        var storage: sockaddr_storage
        var length: socklen_t
    }

    /// Resolves with `getaddrinfo` (numeric hosts resolve without a lookup).
    func resolve(passive: Bool) throws(SocketError) -> [Resolved] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw .badAddress("cannot resolve \(host)") }
        defer { freeaddrinfo(first) }
        var result: [Resolved] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen)))
                }
                result.append(Resolved(family: info.pointee.ai_family, storage: storage, length: info.pointee.ai_addrlen))
            }
            cursor = info.pointee.ai_next
        }
        return result
    }
}

extension Socket {
    /// Opens a listening socket on `address` (SO_REUSEADDR, non-blocking).
    public static func listen(on address: HostPort, backlog: Int32 = 1024) throws(SocketError) -> Socket {
        var lastErrno: Int32 = EADDRNOTAVAIL
        for var candidate in try address.resolve(passive: true) {
            let fd = Glibc.socket(candidate.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastErrno = errno; continue }
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = withUnsafePointer(to: &candidate.storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, candidate.length) }
            }
            if bound == 0, Glibc.listen(fd, backlog) == 0 {
                let socket = Socket(fd: fd)
                try socket.setNonBlocking()
                return socket
            }
            lastErrno = errno
            _ = Glibc.close(fd)
        }
        throw .failed(op: "listen on \(address)", errno: lastErrno)
    }

    /// Connects to `address`, failing with `.timedOut` after `deadline`.
    public static func connect(to address: HostPort, deadline: Deadline) throws(SocketError) -> Socket {
        var lastError = SocketError.failed(op: "connect \(address)", errno: ECONNREFUSED)
        for candidate in try address.resolve(passive: false) {
            switch startConnect(candidate, address, &lastError) {
            case nil: continue
            case .connected(let socket): return socket
            case .inProgress(let socket):
                do { try socket.wait(for: Int16(POLLOUT), deadline: deadline) } catch {
                    socket.close()
                    throw error
                }
                if let socket = finishConnect(socket, address, &lastError) { return socket }
            }
        }
        throw lastError
    }

    /// `connect(to:deadline:)` for tasks: suspends on the poller while connecting.
    public static func connectAsync(to address: HostPort, deadline: Deadline) async throws(SocketError) -> Socket {
        var lastError = SocketError.failed(op: "connect \(address)", errno: ECONNREFUSED)
        for candidate in try address.resolve(passive: false) {
            switch startConnect(candidate, address, &lastError) {
            case nil: continue
            case .connected(let socket): return socket
            case .inProgress(let socket):
                if await Poller.shared.wait(.writable(socket.fd), deadline: deadline) == .timedOut {
                    socket.close()
                    throw .timedOut
                }
                if let socket = finishConnect(socket, address, &lastError) { return socket }
            }
        }
        throw lastError
    }

    private enum ConnectStart {
        case connected(Socket)
        /// Non-blocking connect under way: wait until writable, then `finishConnect`.
        case inProgress(Socket)
    }

    /// A non-blocking socket for `candidate` and its `connect(2)`; nil (and `lastError` set)
    /// when this address failed outright.
    private static func startConnect(_ candidate: HostPort.Resolved, _ address: HostPort, _ lastError: inout SocketError) -> ConnectStart? {
        var candidate = candidate
        let fd = Glibc.socket(candidate.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            lastError = .makeFailed("socket")
            return nil
        }
        let socket = Socket(fd: fd)
        let rc = withUnsafePointer(to: &candidate.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, candidate.length) }
        }
        if rc == 0 {
            socket.setNoDelay()
            return .connected(socket)
        }
        guard errno == EINPROGRESS else {
            lastError = .failed(op: "connect \(address)", errno: errno)
            socket.close()
            return nil
        }
        return .inProgress(socket)
    }

    /// The outcome of a connect that was in progress once the socket is writable: the socket,
    /// or nil (closed, `lastError` set) when it failed.
    private static func finishConnect(_ socket: Socket, _ address: HostPort, _ lastError: inout SocketError) -> Socket? {
        var err: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &err, &size)
        guard err == 0 else {
            lastError = .failed(op: "connect \(address)", errno: err)
            socket.close()
            return nil
        }
        socket.setNoDelay()
        return socket
    }

    /// Accepts one pending connection, or nil when none is waiting.
    public func accept() throws(SocketError) -> (socket: Socket, peer: String)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.accept(self.fd, $0, &length)
            }
        }
        if fd < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED { return nil }
            throw .makeFailed("accept")
        }
        let socket = Socket(fd: fd)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        try socket.setNonBlocking()
        socket.setNoDelay()
        return (socket, Socket.describe(&storage))
    }

    /// The port this socket is bound to (for port-0 listeners).
    public func localPort() -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        if Int32(storage.ss_family) == AF_INET6 {
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// The numeric IP of a peer address.
    static func describe(_ storage: inout sockaddr_storage) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        if Int32(storage.ss_family) == AF_INET6 {
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                }
            }
        } else {
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                }
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
