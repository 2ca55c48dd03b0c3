/// Builds the exact bytes sent upstream for one request.
public struct UpstreamRequest: Sendable {
    public var route: Route
    /// Header fields to send, in order (framing and Host included).
    public var headers: HTTPHeaders
    public var body: [UInt8]

    /// - Parameters:
    ///   - clientHeaders: the client's request fields (only allowlisted ones are copied).
    ///   - peer: the TCP peer's IP; `trustedPeer` says whether its `X-Forwarded-For` is kept.
    public init(
        route: Route, clientHeaders: HTTPHeaders, body: [UInt8], requestID: String,
        peer: String, trustedPeer: Bool, upstream: UpstreamURL, apiKey: String?
    ) {
        self.route = route
        self.body = body
        var headers = HTTPHeaders(reservingCapacity: 8)
        headers.add("Host", upstream.hostHeader)
        var hasContentType = false
        for name in HopByHopHeaders.forwardedRequestFields {
            if let index = clientHeaders.firstIndex(of: name) {
                headers.add(fieldAt: index, of: clientHeaders)
                if name == "Content-Type" { hasContentType = true }
            }
        }
        if route.method == "POST" {
            if !hasContentType { headers.add("Content-Type", "application/json") }
            headers.add("Content-Length", decimal: body.count)
        }
        headers.add("X-Request-Id", requestID)
        let forwardedFor = clientHeaders[all: "X-Forwarded-For"]
        if trustedPeer, !forwardedFor.isEmpty {
            headers.add("X-Forwarded-For", (forwardedFor + [peer]).joined(separator: ", "))
        } else {
            headers.add("X-Forwarded-For", peer)
        }
        if let apiKey { headers.add("Authorization", "Bearer \(apiKey)") }
        self.headers = headers
    }

    /// Bodies up to this size go out in the same write as the head; larger ones are written
    /// on their own rather than copied behind it.
    static let coalescedBodyLimit = 16 * 1024

    /// Writes the request to `socket`.
    func send(on socket: Socket, stallTimeout: Double) async throws(SocketError) {
        if body.count <= Self.coalescedBodyLimit {
            try await socket.writeAsync(bytes, stallTimeout: stallTimeout)
        } else {
            try await socket.writeAsync(head, stallTimeout: stallTimeout)
            try await socket.writeAsync(body, stallTimeout: stallTimeout)
        }
    }

    /// The request line and header block.
    public var head: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        appendHead(to: &out)
        return out
    }

    /// The request line, head and body as one buffer (one write).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + body.count)
        appendHead(to: &out)
        out.append(contentsOf: body)
        return out
    }

    private func appendHead(to out: inout [UInt8]) {
        out.append(contentsOf: route.method.utf8)
        out.append(0x20)
        out.append(contentsOf: route.path.utf8)
        HTTPEncoder.appendASCII(" HTTP/1.1\r\n", to: &out)
        headers.appendWire(to: &out)
        out.append(0x0D)
        out.append(0x0A)
    }
}
