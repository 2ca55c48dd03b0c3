/// The request path, top to bottom: route, authenticate, read and inspect the body, forward,
/// stream back, record usage. Every request that reaches `handle` gets exactly one usage record,
/// written before the client can see its response complete. A class, not a struct: every
/// request's async frames and closures capture it, and a struct this size would be copied (a
/// retain per field) each time.
public final class ReverseProxy: HTTPRequestHandler {
    let configuration: ProxyConfiguration
    let upstream: UpstreamURL
    let pool: UpstreamPool
    let logger: Logger
    let trustedProxies: Set<String>
    let authenticator: Authenticator
    let meter: UsageMeter

    /// Largest body read and discarded to keep a connection open after a rejection.
    static let discardableBodyBytes = 64 * 1024

    public init(configuration: ProxyConfiguration, authenticator: Authenticator, meter: UsageMeter, logger: Logger) {
        self.configuration = configuration
        self.upstream = configuration.upstreamURL
        self.pool = UpstreamPool(
            address: upstream.address, connectTimeout: configuration.upstreamConnectTimeout,
            idleTimeout: configuration.upstreamPoolIdleTimeout, maxIdle: configuration.upstreamPoolSize)
        self.logger = logger
        self.trustedProxies = Set(configuration.trustedProxies)
        self.authenticator = authenticator
        self.meter = meter
    }

    public func handle(_ head: HTTPRequestHead, on connection: ClientConnection) async -> Bool {
        var request = RequestLog(requestID: RequestID.make(from: head.headers), clientIP: connection.peer)

        let route: Route
        switch RouteTable.match(method: head.method, target: head.target) {
        case .notFound:
            return await reject(.notFound(method: head.method, path: RouteTable.path(of: head.target)), reason: UsageReason.notFound, request, head, connection)
        case .methodNotAllowed(let allowed):
            return await reject(.methodNotAllowed(method: head.method, path: RouteTable.path(of: head.target), allowed: allowed),
                          reason: UsageReason.methodNotAllowed, request, head, connection)
        case .route(let matched):
            route = matched
        }
        if route == .health { return await health(head, connection, request.requestID) }

        switch authenticator.authenticate(head.headers, cache: &connection.bearerDigestCache) {
        case .authenticated(let principal):
            request.principal = principal
        case .missing, .invalid:
            return await reject(.invalidAPIKey, reason: UsageReason.invalidAPIKey, request, head, connection)
        case .ambiguous:
            record(request, status: 400, reason: UsageReason.malformedRequest)
            await connection.writeError(.badRequest("The request has more than one Authorization header.", code: "malformed_request"),
                                        requestID: request.requestID, keepAlive: false)
            await connection.lingeringClose()
            return false
        }
        let principal = request.principal!

        var body: [UInt8]
        do { body = try await connection.readBody(of: head) } catch {
            return await bodyFailed(error, request, connection)
        }

        var bodyFilter: (@Sendable ([UInt8]) -> [UInt8]?)?
        var injected = false
        if route.method == "POST" {
            let inspected: InspectedBody
            do { inspected = try InspectedBody(body: body) } catch {
                return await answer(error, reason: error.code ?? "invalid_request", request, head, connection)
            }
            request.body = inspected
            if let model = inspected.model, !principal.policy.allows(model: model) {
                return await answer(.modelNotAllowed(model), reason: UsageReason.modelNotAllowed, request, head, connection)
            }
            if configuration.injectUsage && inspected.needsUsageInjection {
                body = inspected.injectingIncludeUsage(into: body)
                injected = true
                logger.debug("requested stream usage on the client's behalf", ["request.id": request.requestID])
            }
        } else if let allowed = principal.policy.models {
            bodyFilter = { ModelListFilter.filter($0, allowed: allowed) }
        }

        let upstreamRequest = UpstreamRequest(
            route: route, clientHeaders: head.headers, body: body, requestID: request.requestID, peer: connection.peer,
            trustedPeer: !trustedProxies.isEmpty && trustedProxies.contains(connection.peer), upstream: upstream, apiKey: configuration.upstreamApiKey)
        let exchange = UpstreamExchange(pool: pool, idleTimeout: configuration.upstreamIdleTimeout, totalTimeout: configuration.streamTimeout)
        var recordedOnCompletion = false
        let outcome = await exchange.run(
            request: upstreamRequest, method: route.method, client: connection, clientHead: head, requestID: request.requestID,
            bodyFilter: bodyFilter, removeUsageChunk: injected
        ) { metered in
            record(request, metered: metered, reason: metered.status >= 400 ? UsageReason.upstreamError : metered.streamErrorReason)
            recordedOnCompletion = true
        }

        switch outcome {
        case let .completed(metered, keepClientOpen):
            if !recordedOnCompletion { record(request, metered: metered, reason: nil) }
            logger.debug("request", ["request.id": request.requestID, "user": principal.user, "key": principal.keyID, "route": route.path,
                                     "status": String(metered.status), "ms": String(request.started.millisecondsSince)])
            return keepClientOpen
        case let .failedBeforeResponse(error):
            logger.warning("upstream failed", ["request.id": request.requestID, "route": route.path, "reason": error.reason])
            return await answer(error.clientError, reason: error.reason, request, head, connection)
        case let .clientGone(metered):
            if !recordedOnCompletion {
                if let metered {
                    record(request, metered: metered, reason: UsageReason.clientDisconnected)
                } else {
                    record(request, status: 499, reason: UsageReason.clientDisconnected, forwarded: true)
                }
            }
            logger.info("client disconnected", ["request.id": request.requestID, "route": route.path])
            return false
        case let .upstreamCut(metered, reason):
            record(request, metered: metered, reason: reason)
            logger.warning("response cut short", ["request.id": request.requestID, "route": route.path, "reason": reason])
            return false
        }
    }

    public func malformedRequest(status: Int, reason: String, requestID: String, peer: String) {
        record(RequestLog(requestID: requestID, clientIP: peer), status: status, reason: reason)
    }

    // MARK: - Answers

    private func health(_ head: HTTPRequestHead, _ connection: ClientConnection, _ requestID: String) async -> Bool {
        guard await bodyConsumed(head, connection) else { return false }
        let keepAlive = connection.keepAliveAfter(head)
        var headers = HTTPHeaders(reservingCapacity: 8)
        headers.add("Content-Type", "application/json")
        headers.add("X-Request-Id", requestID)
        do { try await connection.writeResponse(status: 200, headers: headers, body: Array(#"{"status":"ok"}"#.utf8), keepAlive: keepAlive) } catch {
            return false
        }
        return keepAlive
    }

    /// Answers an error after the body was read (the connection stays usable).
    private func answer(_ error: OpenAIError, reason: String, _ request: RequestLog, _ head: HTTPRequestHead, _ connection: ClientConnection) async -> Bool {
        record(request, status: error.status, reason: reason)
        let keepAlive = connection.keepAliveAfter(head)
        await connection.writeError(error, requestID: request.requestID, keepAlive: keepAlive)
        return keepAlive
    }

    /// Answers a rejection before the body was read. A small unread body is read and dropped
    /// so the connection can stay open; a large one (or one behind `Expect: 100-continue`) is
    /// never read: the connection closes after the answer.
    private func reject(_ error: OpenAIError, reason: String, _ request: RequestLog, _ head: HTTPRequestHead, _ connection: ClientConnection) async -> Bool {
        let bodyDone = await bodyConsumed(head, connection)
        let keepAlive = bodyDone && connection.keepAliveAfter(head)
        record(request, status: error.status, reason: reason)
        await connection.writeError(error, requestID: request.requestID, keepAlive: keepAlive)
        if !bodyDone { await connection.lingeringClose() }
        return keepAlive
    }

    private func bodyFailed(_ error: ConnectionError, _ request: RequestLog, _ connection: ClientConnection) async -> Bool {
        switch error {
        case .malformed(let parseError):
            record(request, status: parseError.status, reason: UsageReason.malformedRequest)
            await connection.writeError(.badRequest(parseError.message, status: parseError.status, code: "malformed_request"),
                                           requestID: request.requestID, keepAlive: false)
        case .timedOut:
            record(request, status: 408, reason: UsageReason.requestTimeout)
            await connection.writeError(.badRequest("Request body not received in time.", status: 408, code: "request_timeout"),
                                           requestID: request.requestID, keepAlive: false)
        case .clientGone:
            record(request, status: 499, reason: UsageReason.clientDisconnected)
        }
        await connection.lingeringClose()
        return false
    }

    /// Whether the request's body is out of the way: none, or small enough to read and drop.
    private func bodyConsumed(_ head: HTTPRequestHead, _ connection: ClientConnection) async -> Bool {
        if connection.finishBodilessRequest(head) { return true }
        guard !head.expectsContinue, case .contentLength(let n) = head.framing, n <= Self.discardableBodyBytes else { return false }
        return (try? await connection.readBody(of: head)) != nil
    }

    // MARK: - Usage records

    /// A request that never produced upstream output: no tokens (`none`), or an estimate of
    /// the prompt when it was forwarded and the client left before any response.
    private func record(_ request: RequestLog, status: Int, reason: String?, forwarded: Bool = false) {
        let prompt = forwarded ? request.body?.estimatedPromptTokens : nil
        meter.record(request.record(status: status, promptTokens: prompt, completionTokens: forwarded ? 0 : nil,
                                    ttftMs: nil, source: forwarded ? .estimated : .none, reason: reason))
    }

    /// A request the upstream answered (fully or partly).
    private func record(_ request: RequestLog, metered: MeteredResponse, reason: String?) {
        let ttft = metered.firstContentAt.map { Int(($0 &- request.started.nanoseconds) / 1_000_000) }
        if let usage = metered.usage, usage.promptTokens != nil || usage.completionTokens != nil {
            meter.record(request.record(status: metered.status, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens,
                                        ttftMs: ttft, source: .upstream, reason: reason))
        } else if metered.streamed {
            meter.record(request.record(status: metered.status, promptTokens: request.body?.estimatedPromptTokens,
                                        completionTokens: metered.contentDeltas, ttftMs: ttft, source: .estimated,
                                        reason: reason ?? (metered.sawDone ? UsageReason.noUsageReported : UsageReason.streamIncomplete)))
        } else {
            meter.record(request.record(status: metered.status, promptTokens: nil, completionTokens: nil, ttftMs: nil, source: .none, reason: reason))
        }
    }
}

/// What the proxy knows about a request while handling it (for its usage record).
struct RequestLog {
    let requestID: String
    let clientIP: String
    let started = Deadline.now()
    var principal: Principal?
    var body: InspectedBody?

    init(requestID: String, clientIP: String) {
        self.requestID = requestID
        self.clientIP = clientIP
    }

    func record(status: Int, promptTokens: Int?, completionTokens: Int?, ttftMs: Int?, source: UsageRecord.Source, reason: String?) -> UsageRecord {
        UsageRecord(
            ts: Authenticator.now(), user: principal?.user, model: body?.model, promptTokens: promptTokens, completionTokens: completionTokens,
            durationMs: started.millisecondsSince, requestID: requestID, keyID: principal?.keyID, status: status,
            stream: body?.stream ?? false, ttftMs: ttftMs, usageSource: source, reason: reason, clientIP: clientIP)
    }
}
