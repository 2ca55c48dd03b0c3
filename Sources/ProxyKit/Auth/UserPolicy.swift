/// A user's limits as stored; nil means "use the configuration's default". Enforced by the
/// limits layer; `models` is enforced by the proxy already.
public struct UserPolicy: Sendable, Hashable, Codable {
    /// Requests per minute.
    public var rpm: Int?
    /// Tokens (prompt + completion) per minute.
    public var tpm: Int?
    /// Tokens per UTC day (quota).
    public var dailyTokens: Int?
    /// Concurrent requests.
    public var maxConcurrent: Int?
    /// Largest prompt + completion of one request.
    public var contextCap: Int?
    /// Models the user may call; nil = every model.
    public var models: [String]?

    public init(rpm: Int? = nil, tpm: Int? = nil, dailyTokens: Int? = nil, maxConcurrent: Int? = nil, contextCap: Int? = nil, models: [String]? = nil) {
        self.rpm = rpm
        self.tpm = tpm
        self.dailyTokens = dailyTokens
        self.maxConcurrent = maxConcurrent
        self.contextCap = contextCap
        self.models = models
    }

    enum CodingKeys: String, CodingKey {
        case rpm, tpm, models
        case dailyTokens = "daily_tokens"
        case maxConcurrent = "max_concurrent"
        case contextCap = "context_cap"
    }

    /// Whether `model` is allowed.
    public func allows(model: String) -> Bool {
        guard let models else { return true }
        return models.contains(model)
    }
}

/// A user as listed by `users list`.
public struct UserRecord: Sendable, Hashable, Codable {
    public var name: String
    public var policy: UserPolicy
    /// Unix seconds.
    public var created: Int
    /// Keys that are neither revoked nor expired.
    public var activeKeys: Int

    enum CodingKeys: String, CodingKey {
        case name, policy, created
        case activeKeys = "active_keys"
    }
}
