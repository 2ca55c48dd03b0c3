/// Answers requests on a client connection (the reverse proxy, or a test handler).
public protocol HTTPRequestHandler: Sendable {
    /// Answers one request whose head has been read. Returns whether the connection may
    /// serve another request (false closes it).
    func handle(_ head: HTTPRequestHead, on connection: ClientConnection) -> Bool
}
