import Foundation
import Testing
@testable import ProxyKit

struct ProxyConfigurationTests {
    @Test func defaultsMatchTheDesign() throws {
        let config = ProxyConfiguration()
        try config.validate()
        #expect(config.listen == "127.0.0.1:8643")
        #expect(config.upstream == "http://127.0.0.1:8000")
        #expect(config.dataDir == "./ds4-data")
        #expect(config.maxBodyBytes == 8 * 1024 * 1024)
        #expect(config.upstreamPoolIdleTimeout < 5)
        #expect(config.headerTimeout == 10 && config.bodyIdleTimeout == 15 && config.bodyTimeout == 60)
        #expect(config.keepAliveTimeout == 60 && config.writeTimeout == 60 && config.maxRequestsPerConnection == 1000)
        #expect(config.upstreamConnectTimeout == 5 && config.upstreamIdleTimeout == 300 && config.streamTimeout == 1800)
    }

    @Test func everySettingHasOneNameEverywhere() throws {
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ProxyConfiguration())) as! [String: Any]
        let names = ConfigurationSettings.all.map(\.name)
        #expect(Set(encoded.keys) == Set(names))
        #expect(Set(names).count == names.count)
        for setting in ConfigurationSettings.all {
            #expect(setting.flag == "--" + setting.name.replacingOccurrences(of: "_", with: "-"))
            #expect(setting.environmentName == "DS4_PROXY_" + setting.name.uppercased())
            #expect(ConfigurationSettings.forFlag(setting.flag)?.name == setting.name)
        }
    }

    @Test func precedenceIsFlagsEnvFileDefaults() throws {
        let path = NSTemporaryDirectory() + "/ds4-config-\(UUID().uuidString).json"
        try Data(#"{"listen":"127.0.0.1:1","max_body_bytes":10,"write_timeout":1.5,"trusted_proxies":["10.0.0.1"],"upstream_api_key":null}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ConfigurationLoader.load(
            file: path, environment: ["DS4_PROXY_MAX_BODY_BYTES": "20", "DS4_PROXY_LISTEN": "127.0.0.1:2", "OTHER": "x"],
            flags: [(ConfigurationSettings.named("listen")!, "127.0.0.1:3")])
        #expect(config.listen == "127.0.0.1:3")
        #expect(config.maxBodyBytes == 20)
        #expect(config.writeTimeout == 1.5)
        #expect(config.trustedProxies == ["10.0.0.1"])
        #expect(config.headerTimeout == 10)
    }

    @Test func fileErrorsNameTheProblem() throws {
        let path = NSTemporaryDirectory() + "/ds4-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"max_bodyy_bytes":1}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigurationError.unknownSetting("max_bodyy_bytes", source: path)) {
            try ConfigurationLoader.load(file: path, environment: [:], flags: [])
        }
        try Data(#"{"max_body_bytes":"big"}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: path, environment: [:], flags: []) }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: path, environment: [:], flags: []) }
    }

    @Test func validationRejectsNonsense() {
        var config = ProxyConfiguration()
        config.headerTimeout = 0
        #expect(throws: ConfigurationError.self) { try config.validate() }
        config = ProxyConfiguration()
        config.logLevel = "loud"
        #expect(throws: ConfigurationError.self) { try config.validate() }
        // Integer settings with bounds: values just outside are refused, the ends are kept.
        let bounded: [(WritableKeyPath<ProxyConfiguration, Int>, invalid: [Int], valid: [Int])] = [
            (\.workerThreads, [-1, 257], [0, 1, 256]),
            (\.workerSpinMicroseconds, [-1, 10_001], [0, 50, 10_000]),
        ]
        for (setting, invalid, valid) in bounded {
            for value in invalid + valid {
                config = ProxyConfiguration()
                config[keyPath: setting] = value
                if invalid.contains(value) {
                    #expect(throws: ConfigurationError.self, "\(setting) \(value)") { try config.validate() }
                } else {
                    #expect(throws: Never.self, "\(setting) \(value)") { try config.validate() }
                }
            }
        }
    }

    @Test func upstreamURLsParse() throws {
        #expect(try UpstreamURL(parsing: "http://127.0.0.1:8000").address == HostPort(host: "127.0.0.1", port: 8000))
        #expect(try UpstreamURL(parsing: "http://forge/").address == HostPort(host: "forge", port: 80))
        #expect(try UpstreamURL(parsing: "http://forge/").hostHeader == "forge")
        #expect(try UpstreamURL(parsing: "http://[::1]:9000").address == HostPort(host: "::1", port: 9000))
        for bad in ["https://x:1", "http://", "http://x:1/v1", "ftp://x", "http://u@x:1", "http://x:99999"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try UpstreamURL(parsing: bad) }
        }
    }

    @Test func hostPortsParse() {
        #expect(HostPort(parsing: "127.0.0.1:8643") == HostPort(host: "127.0.0.1", port: 8643))
        #expect(HostPort(parsing: "[::1]:0") == HostPort(host: "::1", port: 0))
        for bad in ["8643", ":80", "host:", "host:x", "::1:80", "[::1]80", "h:70000"] {
            #expect(HostPort(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func commandLineParsesFlagsAndAliases() throws {
        guard case .serve(let options) = try ProxyCommandLine.parse(["--data", "/tmp/x", "--listen=127.0.0.1:9", "--config", "c.json"]) else {
            Issue.record("expected serve")
            return
        }
        #expect(options.configFile == "c.json")
        #expect(options.flags.map(\.0.name) == ["data_dir", "listen"])
        #expect(options.flags.map(\.1) == ["/tmp/x", "127.0.0.1:9"])
        #expect(throws: CommandLineError.self) { try ProxyCommandLine.parse(["--bogus", "1"]) }
        #expect(throws: CommandLineError.self) { try ProxyCommandLine.parse(["--listen"]) }
    }
}
