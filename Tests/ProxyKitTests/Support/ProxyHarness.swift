import Foundation
@testable import ProxyKit

/// The real proxy (server + reverse proxy) on an ephemeral port in this process, in front of
/// a `FakeUpstream` (or any upstream URL).
final class ProxyHarness {
    let upstream: FakeUpstream
    let server: HTTPServer
    let authenticator: Authenticator
    let meter: UsageMeter
    let dataDirectory: String
    var port: Int { server.port }

    /// The key every harness accepts (user `tester`); `RawRequest` sends it by default.
    static let testKey = APIKey(presented: "sk-ds4-HarnessTestKey00000000000000000000000000")!

    init(upstream: FakeUpstream? = nil, upstreamURL: String? = nil, configure: (inout ProxyConfiguration) -> Void = { _ in }) throws {
        let fake = try upstream ?? FakeUpstream()
        self.upstream = fake
        var config = ProxyConfiguration()
        config.listen = "127.0.0.1:0"
        config.upstream = upstreamURL ?? fake.url
        config.logLevel = "error"
        dataDirectory = ProxyProcess.makeTemporaryDirectory() + "/data"
        config.dataDir = dataDirectory
        configure(&config)
        try config.validate()
        let connection = try ProxyDatabase.open(dataDirectory: config.dataDir)
        _ = try KeyStore(connection: connection).insert(Self.testKey, user: "tester", label: "harness", expires: nil, now: Authenticator.now())
        connection.close()
        authenticator = try Authenticator(dataDirectory: config.dataDir, logger: Logger(level: .error), pollInterval: 0.2)
        authenticator.start()
        meter = try UsageMeter(dataDirectory: config.dataDir, logger: Logger(level: .error))
        meter.start()
        var limits = HTTPParserLimits.requests
        limits.maxBodyBytes = config.maxBodyBytes
        server = try HTTPServer(
            configuration: .init(address: config.listenAddress, timeouts: ServerTimeouts(config), limits: limits, maxConnections: config.maxConnections),
            handler: ReverseProxy(configuration: config, authenticator: authenticator, meter: meter, logger: Logger(level: .error)), logger: Logger(level: .error))
        server.start()
    }

    func client() throws -> TestHTTPClient { try TestHTTPClient(port: port) }

    /// Runs an admin command against this harness's database.
    func admin(_ command: AdminCommand) throws -> AdminMain.Output {
        let connection = try ProxyDatabase.open(dataDirectory: dataDirectory)
        defer { connection.close() }
        return try AdminMain.execute(command, store: KeyStore(connection: connection), now: Authenticator.now())
    }

    /// Every journal line so far, parsed.
    func journal() throws -> [UsageRecord] {
        let text = try String(contentsOfFile: dataDirectory + "/" + UsageJournal.fileName, encoding: .utf8)
        return text.split(separator: "\n").map { UsageRecord(jsonLine: Array($0.utf8))! }
    }

    /// Every index row, after waiting (bounded) for the writer to catch up with the journal.
    func indexRows() throws -> [UsageRecord] {
        let expected = try journal().count
        let deadline = Deadline.after(seconds: 3)
        while meter.index.insertedCount < expected && !deadline.hasPassed { usleep(10_000) }
        let db = try ProxyDatabase.open(dataDirectory: dataDirectory)
        defer { db.close() }
        return try UsageIndex.records(in: db)
    }

    deinit {
        meter.stop()
        authenticator.stop()
        server.shutdown(grace: 0)
        upstream.stop()
    }
}
