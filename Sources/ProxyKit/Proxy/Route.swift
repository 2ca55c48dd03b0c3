/// The only paths ds4-proxy answers. The upstream request line is built from the route's
/// fixed path, never from the client's bytes.
public enum Route: String, Sendable, CaseIterable {
    case chatCompletions = "/v1/chat/completions"
    case completions = "/v1/completions"
    case models = "/v1/models"
    case embeddings = "/v1/embeddings"
    /// Answered by the proxy itself, without authentication.
    case health = "/healthz"

    /// The one method the route accepts.
    public var method: String {
        switch self {
        case .chatCompletions, .completions, .embeddings: "POST"
        case .models, .health: "GET"
        }
    }

    /// The exact path sent upstream.
    public var path: String { rawValue }

    /// Whether the request goes to the upstream.
    public var isForwarded: Bool { self != .health }
}

/// Result of matching a request line against the allowlist.
public enum RouteMatch: Sendable, Hashable {
    case route(Route)
    /// A known path with the wrong method.
    case methodNotAllowed(allowed: String)
    case notFound
}

/// Exact-path matching. Nothing is decoded or normalised: `/v1/%6dodels`, `/v1//models`,
/// `/x/../v1/models` and `/v1/models/` are simply different strings and therefore 404.
public enum RouteTable {
    public static func match(method: String, target: String) -> RouteMatch {
        guard let route = route(forPathOf: target) else { return .notFound }
        if route.method == method { return .route(route) }
        return .methodNotAllowed(allowed: route.method)
    }

    private static let routes = Route.allCases

    /// The route whose path is exactly the target's path, compared as bytes (no string made
    /// per request). The query is dropped: no allowed route takes one, and it is never
    /// forwarded.
    static func route(forPathOf target: String) -> Route? {
        var target = target
        return target.withUTF8 { bytes in
            let path = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count)])
            for route in routes {
                var known = route.rawValue
                if known.utf8.count == path.count, known.withUTF8({ $0.elementsEqual(path) }) { return route }
            }
            return nil
        }
    }

    /// The path part of a target (for messages), query removed.
    public static func path(of target: String) -> String {
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(target[..<$0]) } ?? target
    }
}
