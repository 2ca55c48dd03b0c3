/// Header rules at the proxy boundary (RFC 9110 §7.6.1).
public enum HopByHopHeaders {
    /// Fields that describe one connection and never cross a proxy.
    static let names: Set<String> = [
        "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-connection", "proxy-authenticate", "proxy-authorization",
    ]

    /// Whether `name` is hop-by-hop, including `Proxy-*` and the tokens `Connection` names.
    static func isHopByHop(_ name: String, connectionTokens: [String]) -> Bool {
        let lower = name.lowercasedASCII()
        return names.contains(lower) || lower.hasPrefix("proxy-") || connectionTokens.contains(lower)
    }

    /// The upstream response's fields the client may see: hop-by-hop fields, framing
    /// (re-computed by the proxy) and the upstream's request id (replaced) removed.
    public static func responseHeaders(from upstream: HTTPHeaders) -> HTTPHeaders {
        let tokens = upstream.tokens("Connection")
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
