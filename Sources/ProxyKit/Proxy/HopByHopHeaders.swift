/// Header rules at the proxy boundary (RFC 9110 §7.6.1).
public enum HopByHopHeaders {
    /// Fields that describe one connection and never cross a proxy (`Proxy-*` too).
    static let names = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"]

    /// Whether `name` is hop-by-hop, including `Proxy-*` and the tokens `Connection` names.
    /// Compares ASCII case-insensitively without allocating (it runs for every header).
    static func isHopByHop(_ name: String, connectionTokens: [String]) -> Bool {
        if names.contains(where: { name.equalsASCIICaseInsensitive($0) }) { return true }
        if name.utf8.count >= 6, name.utf8.prefix(6).elementsEqual("proxy-".utf8, by: { ($0 | 0x20) == $1 }) { return true }
        return connectionTokens.contains { name.equalsASCIICaseInsensitive($0) }
    }

    /// The upstream response's fields the client may see: hop-by-hop fields, framing
    /// (re-computed by the proxy) and the upstream's request id (replaced) removed.
    public static func responseHeaders(from upstream: HTTPHeaders) -> HTTPHeaders {
        let tokens = upstream.contains("Connection") ? upstream.tokens("Connection") : []
        var out = HTTPHeaders()
        for field in upstream {
            if isHopByHop(field.name, connectionTokens: tokens) { continue }
            if field.name.equalsASCIICaseInsensitive("content-length") || field.name.equalsASCIICaseInsensitive("x-request-id") { continue }
            out.add(field.name, field.value)
        }
        return out
    }

    /// Client request fields copied upstream: an allowlist, not a filter. Everything else
    /// (Authorization, cookies, vLLM's X-Vllm-Priority / X-Session-ID / traceparent…) is
    /// dropped.
    static let forwardedRequestFields = ["Content-Type", "Accept", "User-Agent"]
}
