/// An error the proxy answers itself, in the shape OpenAI SDKs parse:
/// `{"error":{"message":…,"type":…,"param":…,"code":…}}`.
public struct OpenAIError: Error, Sendable, Hashable {
    public var status: Int
    public var message: String
    /// OpenAI's error type, e.g. `invalid_request_error`, `server_error`.
    public var type: String
    /// A machine-readable code, e.g. `invalid_api_key`, or nil.
    public var code: String?
    public var param: String?
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`, `Allow`).
    public var headers: [(String, String)] = []

    public init(status: Int, message: String, type: String, code: String? = nil, param: String? = nil, headers: [(String, String)] = []) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers
    }

    public var body: [UInt8] {
        let code = self.code.map(JSONText.quoted) ?? "null"
        let param = self.param.map(JSONText.quoted) ?? "null"
        return Array("{\"error\":{\"message\":\(JSONText.quoted(message)),\"type\":\(JSONText.quoted(type)),\"param\":\(param),\"code\":\(code)}}".utf8)
    }

    public static func == (lhs: OpenAIError, rhs: OpenAIError) -> Bool {
        lhs.status == rhs.status && lhs.message == rhs.message && lhs.type == rhs.type && lhs.code == rhs.code
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(status); hasher.combine(message) }

    // MARK: - The errors the proxy produces

    public static func notFound(method: String, path: String) -> OpenAIError {
        OpenAIError(status: 404, message: "Invalid URL (\(method) \(path))", type: "invalid_request_error", code: "not_found")
    }
    public static func methodNotAllowed(method: String, path: String, allowed: String) -> OpenAIError {
        OpenAIError(status: 405, message: "Method \(method) is not allowed for \(path)", type: "invalid_request_error",
                    code: "method_not_allowed", headers: [("Allow", allowed)])
    }
    public static func badRequest(_ message: String, status: Int = 400, code: String = "bad_request") -> OpenAIError {
        OpenAIError(status: status, message: message, type: "invalid_request_error", code: code)
    }
    public static func upstreamUnavailable(_ detail: String) -> OpenAIError {
        OpenAIError(status: 502, message: "The model server is unavailable (\(detail)). Please retry shortly.", type: "server_error", code: "upstream_unavailable")
    }
    public static func upstreamTimeout(_ detail: String) -> OpenAIError {
        OpenAIError(status: 504, message: "The model server did not answer in time (\(detail)).", type: "server_error", code: "upstream_timeout")
    }
    /// Missing, malformed, unknown, revoked or expired key (the same answer for all, so a
    /// caller learns nothing about which).
    public static let invalidAPIKey = OpenAIError(
        status: 401, message: "Invalid API key. Send `Authorization: Bearer sk-ds4-…` with a key issued by the proxy's admin.",
        type: "invalid_request_error", code: "invalid_api_key", headers: [("WWW-Authenticate", "Bearer")])
    public static func modelNotAllowed(_ model: String) -> OpenAIError {
        OpenAIError(status: 403, message: "Your key may not use the model '\(model)'.", type: "invalid_request_error", code: "model_not_allowed", param: "model")
    }
    public static let tooManyConnections = OpenAIError(status: 503, message: "Too many open connections. Please retry.", type: "server_error", code: "too_many_connections")
}
