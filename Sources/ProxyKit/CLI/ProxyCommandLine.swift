/// The `ds4-proxy` command line: `[serve] [--config FILE] [--SETTING VALUE]…`,
/// `config show [same options]`, `--help`. Setting flags come from `ConfigurationSettings`.
public enum ProxyCommandLine {
    /// Options shared by every command that needs a configuration.
    public struct ConfigOptions: Sendable {
        public var configFile: String?
        public var flags: [(ConfigurationSetting, String)] = []

        /// The effective configuration for these options and `environment`.
        public func load(environment: [String: String]) throws(ConfigurationError) -> ProxyConfiguration {
            try ConfigurationLoader.load(file: configFile ?? environment["DS4_PROXY_CONFIG"], environment: environment, flags: flags)
        }
    }

    public enum Command: Sendable {
        case serve(ConfigOptions)
        case configShow(ConfigOptions)
        case admin(AdminCommand, ConfigOptions)
        case benchIndexWriter(records: Int, ConfigOptions)
        case benchSSEStreams(SSEStreamRecorder.Options)
        case help(String)
    }

    /// Short flag names kept for the design's CLI (`--data DIR`).
    static let aliases: [String: String] = ["--data": "--data-dir"]

    public static func parse(_ arguments: [String]) throws(CommandLineError) -> Command {
        var args = arguments[...]
        if args.first == "--help" || args.first == "-h" || args.first == "help" { return .help(usage) }
        switch args.first {
        case "serve":
            args = args.dropFirst()
            return .serve(try parseConfigOptions(args, command: "serve"))
        case "keys", "users":
            switch try AdminCommandLine.parse(Array(args)) {
            case let .command(command, options): return .admin(command, options)
            case let .help(text): return .help(text)
            }
        case "bench":
            if args.dropFirst().first == "sse-streams" { return .benchSSEStreams(try parseSSEStreams(Array(args.dropFirst(2)))) }
            guard args.dropFirst().first == "index-writer" else {
                throw CommandLineError("bench: unknown benchmark (use 'bench index-writer' or 'bench sse-streams')")
            }
            var rest = Array(args.dropFirst(2))
            var records = 1_000_000
            if let i = rest.firstIndex(of: "--records") {
                guard i + 1 < rest.count, let n = Int(rest[i + 1]), n > 0 else { throw CommandLineError("bench: --records needs a positive number") }
                records = n
                rest.removeSubrange(i...(i + 1))
            }
            return .benchIndexWriter(records: records, try parseConfigOptions(rest[...], command: "bench index-writer"))
        case "config":
            args = args.dropFirst()
            guard let sub = args.first else { throw CommandLineError("config: missing subcommand (try 'ds4-proxy config show')") }
            if sub == "--help" || sub == "-h" { return .help(configUsage) }
            guard sub == "show" else { throw CommandLineError("config: unknown subcommand '\(sub)' (try 'ds4-proxy config show')") }
            return .configShow(try parseConfigOptions(args.dropFirst(), command: "config show"))
        case let first? where !first.hasPrefix("-"):
            throw CommandLineError("unknown command '\(first)' (try 'ds4-proxy --help')")
        default:
            return .serve(try parseConfigOptions(args, command: "serve"))
        }
    }

    /// `bench sse-streams --target HOST:PORT --label L --out FILE [--streams N] [--events N]
    /// [--interval-ms MS]`; `ProxyMain` adds the key from `DS4_BENCH_KEY` (never a flag: flags show in `ps`).
    static func parseSSEStreams(_ arguments: [String]) throws(CommandLineError) -> SSEStreamRecorder.Options {
        let command = "bench sse-streams"
        var values: [String: String] = [:]
        var args = arguments[...]
        while let flag = args.popFirst() {
            guard ["--target", "--label", "--out", "--streams", "--events", "--interval-ms"].contains(flag) else {
                throw CommandLineError("\(command): unknown option '\(flag)'")
            }
            guard let value = args.popFirst() else { throw CommandLineError("\(command): \(flag) needs a value") }
            values[flag] = value
        }
        guard let target = values["--target"].flatMap(HostPort.init(parsing:)), target.port > 0 else {
            throw CommandLineError("\(command): --target HOST:PORT is required")
        }
        guard let label = values["--label"], let out = values["--out"] else { throw CommandLineError("\(command): --label and --out are required") }
        func positive(_ flag: String, _ fallback: Int) throws(CommandLineError) -> Int {
            guard let text = values[flag] else { return fallback }
            guard let n = Int(text), n > 0 else { throw CommandLineError("\(command): \(flag) needs a positive number") }
            return n
        }
        let interval = values["--interval-ms"].flatMap(Double.init) ?? 20
        guard interval > 0 else { throw CommandLineError("\(command): --interval-ms needs a positive number") }
        return SSEStreamRecorder.Options(
            target: target, label: label, streams: try positive("--streams", 200),
            events: try positive("--events", 100), intervalMilliseconds: interval, bearerKey: nil, outputPath: out)
    }

    static func parseConfigOptions(_ arguments: ArraySlice<String>, command: String) throws(CommandLineError) -> ConfigOptions {
        var options = ConfigOptions()
        var args = arguments
        while let arg = args.popFirst() {
            if arg == "--help" || arg == "-h" { throw CommandLineError.helpRequested(command) }
            var name = arg
            var value: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                value = String(arg[arg.index(after: eq)...])
            }
            name = aliases[name] ?? name
            if value == nil {
                guard let next = args.popFirst() else { throw CommandLineError("\(command): \(name) needs a value") }
                value = next
            }
            if name == "--config" {
                options.configFile = value
            } else if let setting = ConfigurationSettings.forFlag(name) {
                options.flags.append((setting, value!))
            } else {
                throw CommandLineError("\(command): unknown option '\(name)' (see 'ds4-proxy --help')")
            }
        }
        return options
    }

    public static var usage: String {
        var text = """
        ds4-proxy: an authenticating, metering reverse proxy for a vLLM server.

        Usage:
          ds4-proxy [serve] [--config FILE] [OPTIONS]   serve (defaults: 127.0.0.1:8643 -> http://127.0.0.1:8000)
          ds4-proxy config show [--config FILE] [OPTIONS]   print the effective configuration as JSON
          ds4-proxy bench index-writer [--records N] [--data DIR]   time the usage index writer (diagnostics)
          ds4-proxy bench sse-streams --target H:P --label L --out FILE [--streams N] [--events N]
                     [--interval-ms MS]   stamp SSE event arrivals (scripts/bench slow-streams)
        \(AdminCommandLine.groupUsage("keys"))\(AdminCommandLine.groupUsage("users"))

        Every setting can be given in the JSON config file (snake_case key), in the environment
        (DS4_PROXY_NAME) or as a flag; flags win over the environment, which wins over the file.

        Options:
          --config FILE          JSON config file (or DS4_PROXY_CONFIG)

        """
        for setting in ConfigurationSettings.all {
            let flag = "  \(setting.flag) V"
            text += flag.padding(toLength: 34) + setting.help + "\n"
        }
        text += "  --data DIR                      same as --data-dir\n"
        return text
    }

    static var configUsage: String {
        "Usage: ds4-proxy config show [--config FILE] [OPTIONS]\nPrints the effective configuration (defaults < file < environment < flags) as JSON.\n"
    }
}

extension CommandLineError {
    static func helpRequested(_ command: String) -> CommandLineError {
        var request = CommandLineError("\(command): help requested")
        request.isHelpRequest = true
        return request
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
