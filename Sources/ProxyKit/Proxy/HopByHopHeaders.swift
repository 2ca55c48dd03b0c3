/// Header rules at the proxy boundary (RFC 9110 §7.6.1).
public enum HopByHopHeaders {
    /// Whether the response field called `name` is dropped before the client sees it:
    /// hop-by-hop (not the `Connection`-named ones), framing, or the upstream's request id. A
    /// first-letter switch keeps the common fields (`date`, `server`, `content-type`, `vary`)
    /// to one comparison.
    static func isDroppedResponseField(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = name.first else { return false }
        func `is`(_ lowercase: StaticString) -> Bool { HTTPHeadScanner.equalsLowercase(name, 0, name.count, lowercase) }
        switch first | 0x20 {
        case UInt8(ascii: "c"): return `is`("connection") || `is`("content-length")
        case UInt8(ascii: "k"): return `is`("keep-alive")
        case UInt8(ascii: "t"): return `is`("te") || `is`("trailer") || `is`("transfer-encoding")
        case UInt8(ascii: "u"): return `is`("upgrade")
        case UInt8(ascii: "p"): return name.count >= 6 && HTTPHeadScanner.equalsLowercase(name, 0, 6, "proxy-")
        case UInt8(ascii: "x"): return `is`("x-request-id")
        default: return false
        }
    }

    /// The upstream response's fields the client may see: hop-by-hop fields, framing
    /// (re-computed by the proxy) and the upstream's request id (replaced) removed. Fields are
    /// copied as bytes.
    public static func responseHeaders(from upstream: HTTPHeaders) -> HTTPHeaders {
        var out = HTTPHeaders(reservingCapacity: upstream.count + 4)
        forEachForwardedResponseField(of: upstream) { out.add(fieldAt: $0, of: upstream) }
        return out
    }

    /// `responseHeaders(from:)` written straight into a response head being built.
    static func appendResponseFields(from upstream: HTTPHeaders, to out: inout [UInt8]) {
        forEachForwardedResponseField(of: upstream) { upstream.appendWire(fieldAt: $0, to: &out) }
    }

    /// Calls `body` with the index of each field of `upstream` the client may see, in order.
    private static func forEachForwardedResponseField(of upstream: HTTPHeaders, _ body: (Int) -> Void) {
        let tokens = connectionNamedFields(of: upstream)
        for index in 0..<upstream.count {
            if upstream.withNameBytes(at: index, isDroppedResponseField) { continue }
            if !tokens.isEmpty && tokens.contains(where: { upstream.nameEquals(at: index, $0) }) { continue }
            body(index)
        }
    }

    /// The (lowercased) tokens of every `Connection` field of `headers`: the fields they name
    /// are hop-by-hop (RFC 9110 §7.6.1) and never forwarded, whichever way. Empty, without
    /// allocating, in the common case where each `Connection` field is just `close` or
    /// `keep-alive`; any other value, in any of the fields, makes all the tokens count.
    static func connectionNamedFields(of headers: HTTPHeaders) -> [String] {
        for index in 0..<headers.count where headers.hasName(at: index, "Connection") {
            let plain = headers.withValueBytes(at: index) { value in
                HTTPHeadScanner.equalsLowercase(value, 0, value.count, "close")
                    || HTTPHeadScanner.equalsLowercase(value, 0, value.count, "keep-alive")
            }
            if !plain { return headers.tokens("Connection") }
        }
        return []
    }

    /// Client request fields copied upstream: an allowlist, not a filter. Everything else
    /// (Authorization, cookies, vLLM's X-Vllm-Priority / X-Session-ID / traceparent…) is
    /// dropped, and so is an allowlisted one the client's `Connection` names (hop-by-hop).
    static let forwardedRequestFields: [StaticString] = ["Content-Type", "Accept", "User-Agent"]
}
