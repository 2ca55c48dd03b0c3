import Foundation
@testable import ProxyKit

/// The real proxy (server + reverse proxy) on an ephemeral port in this process, in front of
/// a `FakeUpstream` (or any upstream URL).
final class ProxyHarness {
    let upstream: FakeUpstream
    let server: HTTPServer
    var port: Int { server.port }

    init(upstream: FakeUpstream? = nil, upstreamURL: String? = nil, configure: (inout ProxyConfiguration) -> Void = { _ in }) throws {
        let fake = try upstream ?? FakeUpstream()
        self.upstream = fake
        var config = ProxyConfiguration()
        config.listen = "127.0.0.1:0"
        config.upstream = upstreamURL ?? fake.url
        config.logLevel = "error"
        configure(&config)
        try config.validate()
        var limits = HTTPParserLimits.requests
        limits.maxBodyBytes = config.maxBodyBytes
        server = try HTTPServer(
            configuration: .init(address: config.listenAddress, timeouts: ServerTimeouts(config), limits: limits, maxConnections: config.maxConnections),
            handler: ReverseProxy(configuration: config, logger: Logger(level: .error)), logger: Logger(level: .error))
        server.start()
    }

    func client() throws -> TestHTTPClient { try TestHTTPClient(port: port) }

    deinit {
        server.shutdown(grace: 0)
        upstream.stop()
    }
}
