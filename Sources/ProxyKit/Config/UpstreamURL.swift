/// The upstream base URL. Only `http://HOST[:PORT]` is supported: vLLM speaks plain HTTP on a
/// private network; TLS belongs to a front such as nginx.
public struct UpstreamURL: Sendable, Hashable, CustomStringConvertible {
    public var address: HostPort
    /// The `Host` header value sent upstream.
    public var hostHeader: String

    public init(parsing text: String) throws(ConfigurationError) {
        guard text.hasPrefix("http://") else {
            throw .invalid("upstream: '\(text)' must start with http:// (TLS to the upstream is not supported)")
        }
        var rest = Substring(text.dropFirst("http://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@"), !rest.contains("?") else {
            throw .invalid("upstream: '\(text)' must be http://HOST:PORT with no path")
        }
        let hostPort = rest.contains(":") && !(rest.hasPrefix("[") && rest.hasSuffix("]")) ? String(rest) : String(rest) + ":80"
        guard let address = HostPort(parsing: hostPort), address.port > 0 else {
            throw .invalid("upstream: '\(text)' has no valid host and port")
        }
        self.address = address
        self.hostHeader = address.port == 80 ? (address.host.contains(":") ? "[\(address.host)]" : address.host) : address.description
    }

    public var description: String { "http://\(address)" }
}
