/// Every setting of `ds4-proxy`, with its embedded default. Each setting has one snake_case
/// name used in the JSON file (`max_body_bytes`), as a flag (`--max-body-bytes`) and in the
/// environment (`DS4_PROXY_MAX_BODY_BYTES`); precedence is flags > env > file > defaults.
/// Durations are in seconds (fractions allowed). `ConfigurationSettings.all` lists them.
public struct ProxyConfiguration: Codable, Sendable, Hashable {
    /// Where clients connect. Default `127.0.0.1:8643`.
    public var listen: String = "127.0.0.1:8643"
    /// The vLLM server, `http://HOST:PORT`. Default `http://127.0.0.1:8000`.
    public var upstream: String = "http://127.0.0.1:8000"
    /// Optional bearer key the proxy sends to the upstream (vLLM `--api-key`). Default none.
    public var upstreamApiKey: String? = nil
    /// Directory for the database and usage journal (created 0700). Default `./ds4-data`.
    public var dataDir: String = "./ds4-data"
    /// Log level: debug, info, warning or error. Default `info`.
    public var logLevel: String = "info"

    /// Largest request body, in bytes. Default 8 MiB; over it → 413.
    public var maxBodyBytes: Int = 8 * 1024 * 1024
    /// Most simultaneously open client connections; more are refused with 503. Default 4096.
    public var maxConnections: Int = 4096
    /// Requests served on one keep-alive connection before it is closed. Default 1000.
    public var maxRequestsPerConnection: Int = 1000

    /// Deadline for a whole request head, from its first byte (or from accept). Default 10 s.
    public var headerTimeout: Double = 10
    /// Longest wait for the next body byte. Default 15 s.
    public var bodyIdleTimeout: Double = 15
    /// Deadline for a whole request body. Default 60 s.
    public var bodyTimeout: Double = 60
    /// How long an idle keep-alive client connection is kept. Default 60 s.
    public var keepAliveTimeout: Double = 60
    /// How long a client may make no progress reading what we write. Default 60 s.
    public var writeTimeout: Double = 60
    /// Deadline for connecting to the upstream. Default 5 s; over it → 504.
    public var upstreamConnectTimeout: Double = 5
    /// Longest wait for the upstream's first response byte, and between two stream reads
    /// (long prompts prefill slowly). Default 300 s; over it → 504 (or a cut stream).
    public var upstreamIdleTimeout: Double = 300
    /// Deadline for one whole upstream response. Default 1800 s (30 min).
    public var streamTimeout: Double = 1800
    /// Idle pooled upstream connections are closed after this. Must stay under uvicorn's
    /// 5 s keep-alive. Default 4 s.
    public var upstreamPoolIdleTimeout: Double = 4
    /// Most idle upstream connections kept in the pool. Default 256, vLLM's default
    /// `max_num_seqs`: after a burst of concurrent requests the next burst reuses the
    /// connections instead of reconnecting (a connect costs the proxy and uvicorn a few
    /// syscalls each, just as a burst of streams starts). Idle ones close after 4 s anyway.
    public var upstreamPoolSize: Int = 256
    /// Threads that run connections (`WorkerExecutor`; an idle one polls the epoll). Default 0:
    /// one per core. On the 2-core bench (before `worker_spin_us`), 1 thread spent ~6 µs less
    /// CPU per request at the same requests/s, but never uses a second core: it served half
    /// the streams.
    public var workerThreads: Int = 0
    /// How long a worker that just ran requests polls for more before it sleeps, in
    /// microseconds (yielding the core between polls; the budget shrinks while spins find
    /// nothing). Sleeping and waking cost more than a request on a small virtual machine.
    /// Default 50; 0 never spins.
    public var workerSpinMicroseconds: Int = WorkerExecutor.defaultSpinMicroseconds
    /// How long SIGTERM/SIGINT waits for running requests before exiting. Default 30 s.
    public var shutdownGrace: Double = 30
    /// Peers (exact IPs) whose `X-Forwarded-For` is trusted and extended, e.g. a TLS nginx
    /// front. Default none: a client-sent `X-Forwarded-For` is replaced.
    public var trustedProxies: [String] = []
    /// Add `"stream_options":{"include_usage":true}` to streaming requests that lack it (and
    /// hide the resulting usage chunk from the client), so every stream is metered exactly.
    /// Turn off for upstreams that reject `stream_options`. Default true.
    public var injectUsage: Bool = true

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, upstream
        case upstreamApiKey = "upstream_api_key"
        case dataDir = "data_dir"
        case logLevel = "log_level"
        case maxBodyBytes = "max_body_bytes"
        case maxConnections = "max_connections"
        case maxRequestsPerConnection = "max_requests_per_connection"
        case headerTimeout = "header_timeout"
        case bodyIdleTimeout = "body_idle_timeout"
        case bodyTimeout = "body_timeout"
        case keepAliveTimeout = "keep_alive_timeout"
        case writeTimeout = "write_timeout"
        case upstreamConnectTimeout = "upstream_connect_timeout"
        case upstreamIdleTimeout = "upstream_idle_timeout"
        case streamTimeout = "stream_timeout"
        case upstreamPoolIdleTimeout = "upstream_pool_idle_timeout"
        case upstreamPoolSize = "upstream_pool_size"
        case workerThreads = "worker_threads"
        case workerSpinMicroseconds = "worker_spin_us"
        case shutdownGrace = "shutdown_grace"
        case trustedProxies = "trusted_proxies"
        case injectUsage = "inject_usage"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(listen, forKey: .listen)
        try container.encode(upstream, forKey: .upstream)
        // The upstream key is a secret: `config show` says whether one is set, never what it is.
        try container.encode(upstreamApiKey == nil ? nil : "(set)", forKey: .upstreamApiKey)
        try container.encode(dataDir, forKey: .dataDir)
        try container.encode(logLevel, forKey: .logLevel)
        try container.encode(maxBodyBytes, forKey: .maxBodyBytes)
        try container.encode(maxConnections, forKey: .maxConnections)
        try container.encode(maxRequestsPerConnection, forKey: .maxRequestsPerConnection)
        try container.encode(headerTimeout, forKey: .headerTimeout)
        try container.encode(bodyIdleTimeout, forKey: .bodyIdleTimeout)
        try container.encode(bodyTimeout, forKey: .bodyTimeout)
        try container.encode(keepAliveTimeout, forKey: .keepAliveTimeout)
        try container.encode(writeTimeout, forKey: .writeTimeout)
        try container.encode(upstreamConnectTimeout, forKey: .upstreamConnectTimeout)
        try container.encode(upstreamIdleTimeout, forKey: .upstreamIdleTimeout)
        try container.encode(streamTimeout, forKey: .streamTimeout)
        try container.encode(upstreamPoolIdleTimeout, forKey: .upstreamPoolIdleTimeout)
        try container.encode(upstreamPoolSize, forKey: .upstreamPoolSize)
        try container.encode(workerThreads, forKey: .workerThreads)
        try container.encode(workerSpinMicroseconds, forKey: .workerSpinMicroseconds)
        try container.encode(shutdownGrace, forKey: .shutdownGrace)
        try container.encode(trustedProxies, forKey: .trustedProxies)
        try container.encode(injectUsage, forKey: .injectUsage)
    }

    public init(from decoder: any Decoder) throws {
        // Files are applied through `ConfigurationSettings` (which names unknown keys);
        // this decoder exists for round-tripping `config show` output.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var config = ProxyConfiguration()
        for setting in ConfigurationSettings.all {
            guard let key = CodingKeys(stringValue: setting.name), container.contains(key) else { continue }
            if try container.decodeNil(forKey: key) {
                try setting.apply(.null, to: &config)
            } else if let flag = try? container.decode(Bool.self, forKey: key) {
                try setting.apply(.bool(flag), to: &config)
            } else if let number = try? container.decode(Double.self, forKey: key) {
                try setting.apply(.number(number), to: &config)
            } else if let list = try? container.decode([String].self, forKey: key) {
                try setting.apply(.list(list), to: &config)
            } else {
                try setting.apply(.string(try container.decode(String.self, forKey: key)), to: &config)
            }
        }
        self = config
    }
}
