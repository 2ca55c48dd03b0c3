/// Builds the exact bytes sent upstream for one request: written once, straight into the
/// buffer that goes out (no intermediate header list).
public struct UpstreamRequest: Sendable {
    public var route: Route
    public var body: [UInt8]
    /// The request line and header block, followed by the body when it is small enough to go
    /// out in the same write.
    private let wire: [UInt8]
    /// Bytes of `wire` that are the head.
    private let headCount: Int

    /// - Parameters:
    ///   - clientHeaders: the client's request fields (only allowlisted ones are copied).
    ///   - peer: the TCP peer's IP; `trustedPeer` says whether its `X-Forwarded-For` is kept.
    public init(
        route: Route, clientHeaders: HTTPHeaders, body: [UInt8], requestID: String,
        peer: String, trustedPeer: Bool, upstream: UpstreamURL, apiKey: String?
    ) {
        self.route = route
        self.body = body
        let coalesced = body.count <= Self.coalescedBodyLimit
        var out: [UInt8] = []
        out.reserveCapacity(384 + (coalesced ? body.count : 0))
        var method = route.method
        method.withUTF8 { out.append(contentsOf: $0) }
        out.append(0x20)
        var path = route.path
        path.withUTF8 { out.append(contentsOf: $0) }
        HTTPEncoder.appendASCII(" HTTP/1.1\r\n", to: &out)
        HTTPEncoder.appendField("Host", upstream.hostHeader, to: &out)
        var hasContentType = false
        let hopByHop = HopByHopHeaders.connectionNamedFields(of: clientHeaders)
        for name in HopByHopHeaders.forwardedRequestFields {
            if let index = clientHeaders.firstIndex(ofName: name), hopByHop.isEmpty || !hopByHop.contains(where: { clientHeaders.nameEquals(at: index, $0) }) {
                clientHeaders.appendWire(fieldAt: index, to: &out)
                hasContentType = hasContentType || clientHeaders.hasName(at: index, "Content-Type")
            }
        }
        if route.method == "POST" {
            if !hasContentType { HTTPEncoder.appendField("Content-Type", "application/json", to: &out) }
            HTTPEncoder.appendField("Content-Length", decimal: body.count, to: &out)
        }
        HTTPEncoder.appendField("X-Request-Id", requestID, to: &out)
        let forwardedFor = trustedPeer ? clientHeaders[all: "X-Forwarded-For"] : []
        HTTPEncoder.appendField("X-Forwarded-For", forwardedFor.isEmpty ? peer : (forwardedFor + [peer]).joined(separator: ", "), to: &out)
        if let apiKey { HTTPEncoder.appendField("Authorization", "Bearer \(apiKey)", to: &out) }
        out.append(0x0D)
        out.append(0x0A)
        headCount = out.count
        if coalesced { out.append(contentsOf: body) }
        wire = out
    }

    /// Bodies up to this size go out in the same write as the head; larger ones are written
    /// on their own rather than copied behind it.
    static let coalescedBodyLimit = 16 * 1024

    /// Writes the request to `socket`.
    func send(on socket: Socket, stallTimeout: Double) async throws(SocketError) {
        try await socket.writeAsync(wire, stallTimeout: stallTimeout)
        if wire.count == headCount && !body.isEmpty { try await socket.writeAsync(body, stallTimeout: stallTimeout) }
    }

    /// The request line and header block.
    public var head: [UInt8] { Array(wire[..<headCount]) }

    /// The request line, head and body as one buffer.
    public var bytes: [UInt8] { wire.count > headCount || body.isEmpty ? wire : wire + body }
}
