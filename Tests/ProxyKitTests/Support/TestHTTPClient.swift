import Foundation
import Glibc
@testable import ProxyKit

/// A raw HTTP/1.1 client over a real socket, for byte-exact assertions.
final class TestHTTPClient {
    struct Response {
        var head: HTTPResponseHead
        var body: [UInt8]
        var status: Int { head.status }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { head.headers[first: name] }
    }

    enum Failure: Error { case closed(received: [UInt8]), timedOut }

    let socket: Socket
    private var parser = HTTPResponseParser()
    private var buffer = [UInt8](repeating: 0, count: 65536)
    private(set) var rawReceived: [UInt8] = []

    init(port: Int) throws {
        socket = try Socket.connect(to: HostPort(host: "127.0.0.1", port: port), deadline: .after(seconds: 5))
    }

    deinit { socket.close() }

    func send(_ text: String) throws { try socket.write(Array(text.utf8), stallTimeout: 5) }
    func send(_ bytes: [UInt8]) throws { try socket.write(bytes, stallTimeout: 5) }

    /// Reads one complete response (skipping 1xx); throws `.closed` if the server closes first.
    func readResponse(method: String = "POST", timeout: Double = 10, onBody: (([UInt8]) -> Void)? = nil) throws -> Response {
        parser.expectResponse(toMethod: method)
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        let deadline = Deadline.after(seconds: timeout)
        while true {
            while let event = try parser.next() {
                switch event {
                case .head(let h):
                    if h.status < 200 { _ = try parser.next(); parser.expectResponse(toMethod: method); continue }
                    head = h
                case .body(let b):
                    body += b
                    onBody?(b)
                case .end:
                    return Response(head: head!, body: body)
                }
            }
            let n = try readSome(deadline: deadline)
            if n == 0 {
                if let event = try? parser.finish(), case .end = event, let head { return Response(head: head, body: body) }
                throw Failure.closed(received: rawReceived)
            }
        }
    }

    /// Reads whatever arrives until EOF or the deadline; returns the bytes.
    func readUntilClose(timeout: Double = 5) -> [UInt8] {
        let start = rawReceived.count
        let deadline = Deadline.after(seconds: timeout)
        while let n = try? readSome(deadline: deadline), n > 0 {}
        return Array(rawReceived[start...])
    }

    /// Whether the server closed the connection (EOF) within `timeout`.
    func isClosedByServer(timeout: Double = 2) -> Bool {
        let deadline = Deadline.after(seconds: timeout)
        while true {
            do {
                if try readSome(deadline: deadline) == 0 { return true }
            } catch {
                return (error as? SocketError) != .timedOut
            }
        }
    }

    @discardableResult
    private func readSome(deadline: Deadline) throws -> Int {
        let count = try buffer.withUnsafeMutableBytes { raw -> Int in
            switch try socket.read(into: raw, deadline: deadline) {
            case .bytes(let n): return n
            case .endOfFile: return 0
            case .wouldBlock: return -1
            }
        }
        if count > 0 {
            rawReceived += buffer[0..<count]
            buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return count
    }

    func close() { socket.shutdownBoth() }
}

/// Builds raw request text.
enum RawRequest {
    static let authorization = "Authorization: Bearer \(ProxyHarness.testKey.secret)"

    /// A POST with the harness key unless `key` says otherwise (nil = no Authorization).
    static func post(_ path: String, json: String, headers: [String] = [], keepAlive: Bool = true, key: String? = ProxyHarness.testKey.secret) -> String {
        var text = "POST \(path) HTTP/1.1\r\nHost: proxy.test\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n"
        if let key { text += "Authorization: Bearer \(key)\r\n" }
        for h in headers { text += h + "\r\n" }
        if !keepAlive { text += "Connection: close\r\n" }
        return text + "\r\n" + json
    }

    static func get(_ path: String, headers: [String] = [], key: String? = ProxyHarness.testKey.secret) -> String {
        var text = "GET \(path) HTTP/1.1\r\nHost: proxy.test\r\n"
        if let key { text += "Authorization: Bearer \(key)\r\n" }
        for h in headers { text += h + "\r\n" }
        return text + "\r\n"
    }
}
