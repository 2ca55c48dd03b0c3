import Foundation

/// Builds the effective configuration: embedded defaults, then the JSON file, then the
/// environment, then flags (later sources win).
public enum ConfigurationLoader {
    /// - Parameters:
    ///   - file: path of a JSON config file, or nil.
    ///   - environment: the process environment (only `DS4_PROXY_*` names are read).
    ///   - flags: settings given on the command line, in order.
    public static func load(
        file: String?, environment: [String: String], flags: [(ConfigurationSetting, String)]
    ) throws(ConfigurationError) -> ProxyConfiguration {
        var config = ProxyConfiguration()
        if let file { try applyFile(file, to: &config) }
        for setting in ConfigurationSettings.all {
            if let value = environment[setting.environmentName] {
                try setting.apply(.text(value), to: &config, source: setting.environmentName)
            }
        }
        for (setting, value) in flags {
            try setting.apply(.text(value), to: &config, source: setting.flag)
        }
        try config.validate()
        return config
    }

    /// Applies a JSON object of settings; unknown keys are errors (a typo must not be ignored).
    static func applyFile(_ path: String, to config: inout ProxyConfiguration) throws(ConfigurationError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadableFile(path: path, reason: "no such file or not readable")
        }
        let object: [String: FileValue]
        do { object = try JSONDecoder().decode([String: FileValue].self, from: data) } catch {
            throw .unreadableFile(path: path, reason: "not a JSON object of settings")
        }
        for key in object.keys.sorted() {
            guard let setting = ConfigurationSettings.named(key) else { throw .unknownSetting(key, source: path) }
            try setting.apply(object[key]!.value, to: &config, source: path)
        }
    }

    /// One JSON value in a config file.
    struct FileValue: Decodable {
        let value: ConfigurationValue
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .null
            } else if let flag = try? container.decode(Bool.self) {
                value = .bool(flag)
            } else if let number = try? container.decode(Double.self) {
                value = .number(number)
            } else if let text = try? container.decode(String.self) {
                value = .string(text)
            } else {
                value = .list(try container.decode([String].self))
            }
        }
    }
}

extension ProxyConfiguration {
    /// Checks every value once at startup; the configuration is immutable afterwards.
    public func validate() throws(ConfigurationError) {
        guard HostPort(parsing: listen) != nil else { throw .invalid("listen: '\(listen)' is not HOST:PORT") }
        _ = try UpstreamURL(parsing: upstream)
        guard Logger.Level(name: logLevel) != nil else { throw .invalid("log_level: '\(logLevel)' is not debug, info, warning or error") }
        let positives: [(String, Double)] = [
            ("max_body_bytes", Double(maxBodyBytes)), ("max_connections", Double(maxConnections)),
            ("max_requests_per_connection", Double(maxRequestsPerConnection)),
            ("header_timeout", headerTimeout), ("body_idle_timeout", bodyIdleTimeout), ("body_timeout", bodyTimeout),
            ("keep_alive_timeout", keepAliveTimeout), ("write_timeout", writeTimeout),
            ("upstream_connect_timeout", upstreamConnectTimeout), ("upstream_idle_timeout", upstreamIdleTimeout),
            ("stream_timeout", streamTimeout), ("upstream_pool_idle_timeout", upstreamPoolIdleTimeout),
        ]
        for (name, value) in positives where !(value > 0) { throw .invalid("\(name) must be greater than 0") }
        guard upstreamPoolSize >= 0 else { throw .invalid("upstream_pool_size must not be negative") }
        guard workerThreads >= 0 && workerThreads <= 256 else { throw .invalid("worker_threads must be 0 (one per core) to 256") }
        guard workerSpinMicroseconds >= 0 && workerSpinMicroseconds <= 10_000 else { throw .invalid("worker_spin_us must be 0 (never spin) to 10000") }
        guard shutdownGrace >= 0 else { throw .invalid("shutdown_grace must not be negative") }
    }

    /// The parsed listen address (valid after `validate()`).
    public var listenAddress: HostPort { HostPort(parsing: listen)! }
    /// The parsed upstream (valid after `validate()`).
    public var upstreamURL: UpstreamURL { try! UpstreamURL(parsing: upstream) }
}
