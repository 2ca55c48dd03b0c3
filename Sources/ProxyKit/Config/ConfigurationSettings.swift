/// A raw setting value from a JSON file, a flag or an environment variable.
public enum ConfigurationValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([String])
    case null
    /// A value given as text (flag or environment): parsed according to the setting's kind.
    case text(String)
}

/// One named setting and how to store a value into `ProxyConfiguration`. The table below is
/// the single source of the names used by the file, the flags and the environment.
public struct ConfigurationSetting: Sendable {
    public enum Kind: Sendable {
        case string(any WritableKeyPath<ProxyConfiguration, String> & Sendable)
        case optionalString(any WritableKeyPath<ProxyConfiguration, String?> & Sendable)
        case int(any WritableKeyPath<ProxyConfiguration, Int> & Sendable)
        case seconds(any WritableKeyPath<ProxyConfiguration, Double> & Sendable)
        case list(any WritableKeyPath<ProxyConfiguration, [String]> & Sendable)
        case bool(any WritableKeyPath<ProxyConfiguration, Bool> & Sendable)
    }

    /// snake_case name: the JSON key.
    public let name: String
    public let kind: Kind
    /// One line for `--help`.
    public let help: String

    /// `--kebab-case` flag.
    public var flag: String { "--" + name.replacingUnderscores(with: "-") }
    /// `DS4_PROXY_UPPER_CASE` environment variable.
    public var environmentName: String { "DS4_PROXY_" + name.uppercasedASCII() }

    /// Stores `value` into `config`, checking its type. `source` names where it came from.
    public func apply(_ value: ConfigurationValue, to config: inout ProxyConfiguration, source: String = "config")
        throws(ConfigurationError)
    {
        func bad(_ expected: String) -> ConfigurationError {
            let shown: String
            switch value {
            case let .string(s), let .text(s): shown = s
            case let .number(n): shown = String(n)
            case let .bool(b): shown = String(b)
            case let .list(l): shown = l.joined(separator: ",")
            case .null: shown = "null"
            }
            return .invalidValue(setting: name, value: shown, expected: expected, source: source)
        }
        switch kind {
        case let .string(path):
            switch value {
            case let .string(s), let .text(s): config[keyPath: path] = s
            default: throw bad("a string")
            }
        case let .optionalString(path):
            switch value {
            case let .string(s), let .text(s): config[keyPath: path] = s.isEmpty ? nil : s
            case .null: config[keyPath: path] = nil
            default: throw bad("a string")
            }
        case let .int(path):
            switch value {
            case let .number(n) where n == n.rounded() && abs(n) < 1e15: config[keyPath: path] = Int(n)
            case let .text(s):
                guard let n = Int(s) else { throw bad("a whole number") }
                config[keyPath: path] = n
            default: throw bad("a whole number")
            }
        case let .seconds(path):
            switch value {
            case let .number(n) where n.isFinite: config[keyPath: path] = n
            case let .text(s):
                guard let n = Double(s), n.isFinite else { throw bad("a number of seconds") }
                config[keyPath: path] = n
            default: throw bad("a number of seconds")
            }
        case let .list(path):
            switch value {
            case let .list(items): config[keyPath: path] = items
            case let .text(s), let .string(s):
                config[keyPath: path] = s.split(separator: ",").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
            case .null: config[keyPath: path] = []
            default: throw bad("a list of strings")
            }
        case let .bool(path):
            switch value {
            case let .bool(b): config[keyPath: path] = b
            case let .text(s):
                switch s.lowercasedASCII() {
                case "true", "1", "yes", "on": config[keyPath: path] = true
                case "false", "0", "no", "off": config[keyPath: path] = false
                default: throw bad("true or false")
                }
            default: throw bad("true or false")
            }
        }
    }
}

/// The table of every setting.
public enum ConfigurationSettings {
    public static var all: [ConfigurationSetting] {
        [
            .init(name: "listen", kind: .string(\.listen), help: "HOST:PORT clients connect to (127.0.0.1:8643)"),
            .init(name: "upstream", kind: .string(\.upstream), help: "vLLM base URL (http://127.0.0.1:8000)"),
            .init(name: "upstream_api_key", kind: .optionalString(\.upstreamApiKey), help: "bearer key sent to the upstream (none)"),
            .init(name: "data_dir", kind: .string(\.dataDir), help: "database and journal directory (./ds4-data)"),
            .init(name: "log_level", kind: .string(\.logLevel), help: "debug|info|warning|error (info)"),
            .init(name: "max_body_bytes", kind: .int(\.maxBodyBytes), help: "largest request body in bytes (8388608)"),
            .init(name: "max_connections", kind: .int(\.maxConnections), help: "most open client connections (4096)"),
            .init(name: "max_requests_per_connection", kind: .int(\.maxRequestsPerConnection), help: "requests per keep-alive connection (1000)"),
            .init(name: "header_timeout", kind: .seconds(\.headerTimeout), help: "seconds for a whole request head (10)"),
            .init(name: "body_idle_timeout", kind: .seconds(\.bodyIdleTimeout), help: "seconds between request body bytes (15)"),
            .init(name: "body_timeout", kind: .seconds(\.bodyTimeout), help: "seconds for a whole request body (60)"),
            .init(name: "keep_alive_timeout", kind: .seconds(\.keepAliveTimeout), help: "seconds an idle client connection is kept (60)"),
            .init(name: "write_timeout", kind: .seconds(\.writeTimeout), help: "seconds a client may stall reading (60)"),
            .init(name: "upstream_connect_timeout", kind: .seconds(\.upstreamConnectTimeout), help: "seconds to connect upstream (5)"),
            .init(name: "upstream_idle_timeout", kind: .seconds(\.upstreamIdleTimeout), help: "seconds to first byte / between stream reads (300)"),
            .init(name: "stream_timeout", kind: .seconds(\.streamTimeout), help: "seconds for a whole upstream response (1800)"),
            .init(name: "upstream_pool_idle_timeout", kind: .seconds(\.upstreamPoolIdleTimeout), help: "seconds an idle pooled upstream connection lives (4)"),
            .init(name: "upstream_pool_size", kind: .int(\.upstreamPoolSize), help: "most idle pooled upstream connections (256)"),
            .init(name: "worker_threads", kind: .int(\.workerThreads), help: "threads running connections; 0: one per core (0)"),
            .init(name: "worker_spin_us", kind: .int(\.workerSpinMicroseconds), help: "microseconds an idle worker polls before sleeping; 0: never (50)"),
            .init(name: "shutdown_grace", kind: .seconds(\.shutdownGrace), help: "seconds SIGTERM waits for running requests (30)"),
            .init(name: "trusted_proxies", kind: .list(\.trustedProxies), help: "comma-separated peer IPs whose X-Forwarded-For is kept (none)"),
            .init(name: "inject_usage", kind: .bool(\.injectUsage), help: "ask streams for a usage chunk on the client's behalf (true)"),
        ]
    }

    public static func named(_ name: String) -> ConfigurationSetting? { all.first { $0.name == name } }
    public static func forFlag(_ flag: String) -> ConfigurationSetting? { all.first { $0.flag == flag } }
}

extension String {
    func replacingUnderscores(with replacement: Character) -> String {
        String(self.map { $0 == "_" ? replacement : $0 })
    }
    func uppercasedASCII() -> String {
        String(decoding: self.utf8.map { ($0 >= 0x61 && $0 <= 0x7A) ? $0 - 0x20 : $0 }, as: UTF8.self)
    }
}
