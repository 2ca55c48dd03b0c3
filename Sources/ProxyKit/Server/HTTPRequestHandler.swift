/// Answers requests on a client connection (the reverse proxy, or a test handler).
public protocol HTTPRequestHandler: Sendable {
    /// Answers one request whose head has been read. Returns whether the connection may
    /// serve another request (false closes it).
    func handle(_ head: HTTPRequestHead, on connection: ClientConnection) async -> Bool

    /// Told about a request the server itself answered because its head was malformed or
    /// too slow (`status` 400/408/413/414/431/505); `requestID` is the id in that answer.
    func malformedRequest(status: Int, reason: String, requestID: String, peer: String)
}

extension HTTPRequestHandler {
    public func malformedRequest(status: Int, reason: String, requestID: String, peer: String) {}
}
