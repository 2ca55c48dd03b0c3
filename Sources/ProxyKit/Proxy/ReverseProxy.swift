/// The request path, top to bottom: route, read the body, forward, stream back.
public struct ReverseProxy: HTTPRequestHandler {
    let configuration: ProxyConfiguration
    let upstream: UpstreamURL
    let pool: UpstreamPool
    let logger: Logger
    let trustedProxies: Set<String>
    let authenticator: Authenticator

    /// Largest body read and discarded to keep a connection open after a rejection.
    static let discardableBodyBytes = 64 * 1024

    public init(configuration: ProxyConfiguration, authenticator: Authenticator, logger: Logger) {
        self.authenticator = authenticator
        self.configuration = configuration
        self.upstream = configuration.upstreamURL
        self.pool = UpstreamPool(
            address: upstream.address, connectTimeout: configuration.upstreamConnectTimeout,
            idleTimeout: configuration.upstreamPoolIdleTimeout, maxIdle: configuration.upstreamPoolSize)
        self.logger = logger
        self.trustedProxies = Set(configuration.trustedProxies)
    }

    public func handle(_ head: HTTPRequestHead, on connection: ClientConnection) -> Bool {
        let started = Deadline.now()
        let requestID = RequestID.make(from: head.headers)
        let route: Route
        switch RouteTable.match(method: head.method, target: head.target) {
        case .notFound:
            return reject(.notFound(method: head.method, path: RouteTable.path(of: head.target)), head: head, connection: connection, requestID: requestID)
        case .methodNotAllowed(let allowed):
            return reject(.methodNotAllowed(method: head.method, path: RouteTable.path(of: head.target), allowed: allowed),
                          head: head, connection: connection, requestID: requestID)
        case .route(let matched):
            route = matched
        }

        if route == .health {
            guard connection.finishBodilessRequest(head) || discardBody(head, connection) else { return false }
            let keepAlive = connection.keepAliveAfter(head)
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            headers.add("X-Request-Id", requestID)
            do { try connection.writeResponse(status: 200, headers: headers, body: Array("{\"status\":\"ok\"}".utf8), keepAlive: keepAlive) } catch { return false }
            return keepAlive
        }

        let principal: Principal
        switch authenticator.authenticate(head.headers) {
        case .authenticated(let who):
            principal = who
        case .missing, .invalid:
            return reject(.invalidAPIKey, head: head, connection: connection, requestID: requestID)
        case .ambiguous:
            connection.writeError(.badRequest("The request has more than one Authorization header.", code: "malformed_request"), requestID: requestID, keepAlive: false)
            connection.lingeringClose()
            return false
        }

        let body: [UInt8]
        do { body = try connection.readBody(of: head) } catch {
            switch error {
            case .malformed(let parseError):
                connection.writeError(.badRequest(parseError.message, status: parseError.status, code: "malformed_request"), requestID: requestID, keepAlive: false)
                connection.lingeringClose()
            case .timedOut:
                connection.writeError(.badRequest("Request body not received in time.", status: 408, code: "request_timeout"), requestID: requestID, keepAlive: false)
                connection.lingeringClose()
            case .clientGone:
                break
            }
            return false
        }

        var bodyFilter: (@Sendable ([UInt8]) -> [UInt8]?)?
        if route.method == "POST" {
            do {
                let inspected = try InspectedBody(body: body)
                if let model = inspected.model, !principal.policy.allows(model: model) {
                    return answer(.modelNotAllowed(model), head: head, connection: connection, requestID: requestID)
                }
            } catch {
                return answer(error, head: head, connection: connection, requestID: requestID)
            }
        } else if let allowed = principal.policy.models {
            bodyFilter = { ModelListFilter.filter($0, allowed: allowed) }
        }

        let request = UpstreamRequest(
            route: route, clientHeaders: head.headers, body: body, requestID: requestID, peer: connection.peer,
            trustedPeer: trustedProxies.contains(connection.peer), upstream: upstream, apiKey: configuration.upstreamApiKey)
        let exchange = UpstreamExchange(pool: pool, idleTimeout: configuration.upstreamIdleTimeout, totalTimeout: configuration.streamTimeout)
        let outcome = exchange.run(request: request.bytes, method: route.method, client: connection, clientHead: head, requestID: requestID, bodyFilter: bodyFilter)

        let elapsed = String(started.millisecondsSince)
        switch outcome {
        case let .completed(status, keepClientOpen):
            logger.debug("request", ["request.id": requestID, "user": principal.user, "key": principal.keyID, "route": route.path, "status": String(status), "ms": elapsed])
            return keepClientOpen
        case let .failedBeforeResponse(error):
            logger.warning("upstream failed", ["request.id": requestID, "route": route.path, "reason": error.reason, "ms": elapsed])
            let keepAlive = connection.keepAliveAfter(head)
            connection.writeError(error.clientError, requestID: requestID, keepAlive: keepAlive)
            return keepAlive
        case let .clientGone(status):
            logger.info("client disconnected", ["request.id": requestID, "route": route.path, "status": status.map(String.init) ?? "none", "ms": elapsed])
            return false
        case let .upstreamCut(status, reason):
            logger.warning("response cut short", ["request.id": requestID, "route": route.path, "status": String(status), "reason": reason, "ms": elapsed])
            return false
        }
    }

    /// Answers an error after the body was read (the connection stays usable).
    private func answer(_ error: OpenAIError, head: HTTPRequestHead, connection: ClientConnection, requestID: String) -> Bool {
        let keepAlive = connection.keepAliveAfter(head)
        connection.writeError(error, requestID: requestID, keepAlive: keepAlive)
        return keepAlive
    }

    /// Answers a rejection. A small unread body is read and dropped so the connection can
    /// stay open; a large one (or one behind `Expect: 100-continue`) is never read: the
    /// connection closes after the answer.
    private func reject(_ error: OpenAIError, head: HTTPRequestHead, connection: ClientConnection, requestID: String) -> Bool {
        logger.debug("rejected", ["request.id": requestID, "status": String(error.status), "method": head.method])
        let bodyDone = connection.finishBodilessRequest(head) || discardBody(head, connection)
        let keepAlive = bodyDone && connection.keepAliveAfter(head)
        connection.writeError(error, requestID: requestID, keepAlive: keepAlive)
        if !bodyDone { connection.lingeringClose() }
        return keepAlive
    }

    private func discardBody(_ head: HTTPRequestHead, _ connection: ClientConnection) -> Bool {
        guard !head.expectsContinue, case .contentLength(let n) = head.framing, n <= Self.discardableBodyBytes else { return false }
        return (try? connection.readBody(of: head)) != nil
    }
}
