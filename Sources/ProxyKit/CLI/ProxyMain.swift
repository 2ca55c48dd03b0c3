#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims
import Foundation

/// The `ds4-proxy` executable's logic (its `main.swift` only calls `run`).
public enum ProxyMain {
    /// Runs a command and returns the process exit status (0 ok, 1 runtime failure, 2 usage).
    public static func run(arguments: [String], environment: [String: String]) -> Int32 {
        let command: ProxyCommandLine.Command
        do { command = try ProxyCommandLine.parse(arguments) } catch {
            if error.isHelpRequest {
                print(ProxyCommandLine.usage, terminator: "")
                return 0
            }
            return fail("ds4-proxy: \(error.message)", status: 2)
        }
        switch command {
        case .help(let text):
            print(text, terminator: "")
            return 0
        case .configShow(let options):
            do {
                let config = try options.load(environment: environment)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let data = try encoder.encode(config)
                print(String(decoding: data, as: UTF8.self))
                return 0
            } catch let error as ConfigurationError {
                return fail("ds4-proxy: \(error)", status: 2)
            } catch {
                return fail("ds4-proxy: \(error)", status: 1)
            }
        case .serve(let options):
            return serve(options, environment: environment)
        case let .benchIndexWriter(records, options):
            let config: ProxyConfiguration
            do { config = try options.load(environment: environment) } catch {
                return fail("ds4-proxy: \(error)", status: 2)
            }
            let result = IndexWriterBenchmark.run(records: records, dataDirectory: config.dataDir)
            print(result.text, terminator: "")
            return result.status
        case var .benchSSEStreams(options):
            options.bearerKey = environment["DS4_BENCH_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            let result = SSEStreamRecorder.run(options)
            print(result.text, terminator: "")
            return result.status
        case let .admin(command, options):
            let config: ProxyConfiguration
            do { config = try options.load(environment: environment) } catch {
                return fail("ds4-proxy: \(error)", status: 2)
            }
            let output = AdminMain.run(command, config: config)
            if !output.stdout.isEmpty { print(output.stdout, terminator: "") }
            fflush(nil)
            if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
            return output.status
        }
    }

    static func serve(_ options: ProxyCommandLine.ConfigOptions, environment: [String: String]) -> Int32 {
        // Signals are taken synchronously by `sigwait` below; block them before any thread
        // starts so every thread inherits the mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)
        // glibc gives each allocating thread its own arena (up to 8 per core); the proxy's
        // few threads allocate for many connections, and per-thread arenas fragment into
        // RSS (measured: 86 MiB vs 49 MiB with two arenas under 1,000 idle + 200 streams).
        _ = ds4_limit_malloc_arenas(2)

        let config: ProxyConfiguration
        do { config = try options.load(environment: environment) } catch {
            return fail("ds4-proxy: \(error)", status: 2)
        }
        let logger = Logger(level: Logger.Level(name: config.logLevel) ?? .info)
        WorkerExecutor.configureShared(threads: config.workerThreads, spinMicroseconds: config.workerSpinMicroseconds)
        let authenticator: Authenticator
        do { authenticator = try Authenticator(dataDirectory: config.dataDir, logger: logger) } catch {
            return fail("ds4-proxy: \(error)", status: 1)
        }
        authenticator.start()
        let meter: UsageMeter
        do { meter = try UsageMeter(dataDirectory: config.dataDir, logger: logger) } catch {
            return fail("ds4-proxy: \(error)", status: 1)
        }
        meter.start()
        var limits = HTTPParserLimits.requests
        limits.maxBodyBytes = config.maxBodyBytes
        let server: HTTPServer
        do {
            server = try HTTPServer(
                configuration: .init(address: config.listenAddress, timeouts: ServerTimeouts(config), limits: limits, maxConnections: config.maxConnections),
                handler: ReverseProxy(configuration: config, authenticator: authenticator, meter: meter, logger: logger), logger: logger)
        } catch {
            return fail("ds4-proxy: cannot listen on \(config.listen): \(error)", status: 1)
        }
        server.start()
        let address = HostPort(host: config.listenAddress.host, port: server.port)
        print("ds4-proxy listening on http://\(address) -> upstream \(config.upstreamURL), data in \(config.dataDir)")
        fflush(nil)
        logger.info("started", ["listen": address.description, "upstream": config.upstreamURL.description, "data_dir": config.dataDir,
                                "keys": String(authenticator.keyCount), "workers": String(WorkerExecutor.shared.threadCount),
                                "spin_us": String(WorkerExecutor.shared.spinLimit / 1000), "pid": String(getpid())])

        while true {
            var received: Int32 = 0
            guard sigwait(&signals, &received) == 0 else { continue }
            if received == SIGHUP {
                logger.info("SIGHUP: reopening the usage journal, reloading keys and users")
                meter.reopenJournal()
                authenticator.requestReload()
                continue
            }
            logger.info("shutting down", ["signal": received == SIGTERM ? "SIGTERM" : "SIGINT", "in_flight": String(server.inFlightRequests)])
            let drained = server.shutdown(grace: config.shutdownGrace)
            meter.stop()
            authenticator.stop()
            usleep(200_000)  // the sync thread's last `last_used` flush
            if drained {
                logger.info("stopped")
            } else {
                logger.warning("stopped with requests still running", ["in_flight": String(server.inFlightRequests)])
            }
            return 0
        }
    }

    static func fail(_ line: String, status: Int32) -> Int32 {
        FileHandle.standardError.write(Data((line + "\n").utf8))
        return status
    }
}
