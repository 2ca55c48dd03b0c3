/// Header rules at the proxy boundary (RFC 9110 §7.6.1).
public enum HopByHopHeaders {
    /// Whether the response field is dropped before the client sees it: hop-by-hop (not the
    /// `Connection`-named ones), framing, or the upstream's request id. A first-letter switch
    /// keeps the common fields (`date`, `server`, `content-type`, `vary`) to one comparison.
    static func isDroppedResponseField(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        switch first | 0x20 {
        case UInt8(ascii: "c"): return name.equalsASCIICaseInsensitive("connection") || name.equalsASCIICaseInsensitive("content-length")
        case UInt8(ascii: "k"): return name.equalsASCIICaseInsensitive("keep-alive")
        case UInt8(ascii: "t"):
            return name.equalsASCIICaseInsensitive("te") || name.equalsASCIICaseInsensitive("trailer") || name.equalsASCIICaseInsensitive("transfer-encoding")
        case UInt8(ascii: "u"): return name.equalsASCIICaseInsensitive("upgrade")
        case UInt8(ascii: "p"): return name.utf8.count >= 6 && name.utf8.prefix(6).elementsEqual("proxy-".utf8, by: { ($0 | 0x20) == $1 })
        case UInt8(ascii: "x"): return name.equalsASCIICaseInsensitive("x-request-id")
        default: return false
        }
    }

    /// The upstream response's fields the client may see: hop-by-hop fields, framing
    /// (re-computed by the proxy) and the upstream's request id (replaced) removed.
    public static func responseHeaders(from upstream: HTTPHeaders) -> HTTPHeaders {
        // Only a `Connection` naming something beyond keep-alive/close adds fields to drop.
        var tokens: [String] = []
        if let connection = upstream[first: "Connection"], !connection.equalsASCIICaseInsensitive("keep-alive"),
           !connection.equalsASCIICaseInsensitive("close") {
            tokens = upstream.tokens("Connection")
        }
        var out = HTTPHeaders(reservingCapacity: upstream.count)
        for field in upstream {
            if isDroppedResponseField(field.name) { continue }
            if !tokens.isEmpty && tokens.contains(where: { field.name.equalsASCIICaseInsensitive($0) }) { continue }
            out.add(field.name, field.value)
        }
        return out
    }

    /// Client request fields copied upstream: an allowlist, not a filter. Everything else
    /// (Authorization, cookies, vLLM's X-Vllm-Priority / X-Session-ID / traceparent…) is
    /// dropped.
    static let forwardedRequestFields = ["Content-Type", "Accept", "User-Agent"]
}
