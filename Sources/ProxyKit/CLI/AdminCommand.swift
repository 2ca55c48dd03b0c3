/// An admin command of `ds4-proxy` (keys and users), parsed and validated.
public enum AdminCommand: Sendable, Hashable {
    case issueKey(user: String, label: String?, expires: String?)
    case listKeys(user: String?, json: Bool)
    case revokeKey(id: String)
    case revokeUserKeys(user: String)
    case rotateKey(user: String, label: String?, grace: Int)
    case setUser(name: String, rpm: String?, tpm: String?, dailyTokens: String?, maxConcurrent: String?, contextCap: String?, models: String?)
    case listUsers(json: Bool)
    case removeUser(name: String)
}

/// Table-driven parsing of `keys …` and `users …`. Each entry names its positional arguments
/// and options; `--help` on any of them prints its usage line.
public enum AdminCommandLine {
    struct Spec: Sendable {
        let words: [String]
        let usage: String
        let summary: String
        let positionals: [String]
        /// Options taking a value.
        let valued: [String]
        /// Options without a value.
        let switches: [String]
        let make: @Sendable (_ positionals: [String], _ values: [String: String], _ switches: Set<String>) throws(CommandLineError) -> AdminCommand
    }

    static let specs: [Spec] = [
        Spec(words: ["keys", "issue"], usage: "keys issue USER [--label TEXT] [--expires 30d|12h|2027-01-01]",
             summary: "issue a key; prints only the key on stdout (shown once)", positionals: ["USER"],
             valued: ["--label", "--expires"], switches: []) { p, v, _ throws(CommandLineError) in
            try checkUser(p[0])
            if let expires = v["--expires"], TimeSpec.expiry(expires, now: Authenticator.now()) == nil {
                throw CommandLineError("keys issue: --expires '\(expires)' is not a duration (30d, 12h) or a future date (2027-01-01)")
            }
            return .issueKey(user: p[0], label: try checkLabel(v["--label"]), expires: v["--expires"])
        },
        Spec(words: ["keys", "list"], usage: "keys list [--user USER] [--json]", summary: "list keys (never the secrets)",
             positionals: [], valued: ["--user"], switches: ["--json"]) { _, v, s throws(CommandLineError) in
            .listKeys(user: v["--user"], json: s.contains("--json"))
        },
        Spec(words: ["keys", "revoke"], usage: "keys revoke ID | keys revoke --user USER", summary: "revoke one key, or all of a user's",
             positionals: ["ID?"], valued: ["--user"], switches: []) { p, v, _ throws(CommandLineError) in
            switch (p.first, v["--user"]) {
            case let (id?, nil): return .revokeKey(id: id)
            case let (nil, user?): return .revokeUserKeys(user: user)
            default: throw CommandLineError("keys revoke: give a key ID or --user USER (not both)")
            }
        },
        Spec(words: ["keys", "rotate"], usage: "keys rotate USER [--grace 1h] [--label TEXT]",
             summary: "issue a new key and revoke the user's others (after the grace period)", positionals: ["USER"],
             valued: ["--grace", "--label"], switches: []) { p, v, _ throws(CommandLineError) in
            try checkUser(p[0])
            var grace = 0
            if let text = v["--grace"] {
                guard let seconds = TimeSpec.duration(text) else { throw CommandLineError("keys rotate: --grace '\(text)' is not a duration (1h, 30m)") }
                grace = seconds
            }
            return .rotateKey(user: p[0], label: try checkLabel(v["--label"]), grace: grace)
        },
        Spec(words: ["users", "set"],
             usage: "users set USER [--rpm N] [--tpm N] [--daily-tokens N] [--max-concurrent N] [--context-cap N] [--models a,b]",
             summary: "set a user's limits ('default' restores the config default)", positionals: ["USER"],
             valued: ["--rpm", "--tpm", "--daily-tokens", "--max-concurrent", "--context-cap", "--models"], switches: []) { p, v, _ throws(CommandLineError) in
            try checkUser(p[0])
            for name in ["--rpm", "--tpm", "--daily-tokens", "--max-concurrent", "--context-cap"] {
                if let value = v[name], value != "default", (Int(value).map { $0 < 0 } ?? true) {
                    throw CommandLineError("users set: \(name) '\(value)' is not a whole number >= 0 (or 'default')")
                }
            }
            if let models = v["--models"], models != "default",
               models.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0.contains(" ") }) {
                throw CommandLineError("users set: --models '\(models)' must be a comma-separated list of model names (or 'default')")
            }
            return .setUser(name: p[0], rpm: v["--rpm"], tpm: v["--tpm"], dailyTokens: v["--daily-tokens"],
                            maxConcurrent: v["--max-concurrent"], contextCap: v["--context-cap"], models: v["--models"])
        },
        Spec(words: ["users", "list"], usage: "users list [--json]", summary: "list users, their limits and active keys",
             positionals: [], valued: [], switches: ["--json"]) { _, _, s throws(CommandLineError) in
            .listUsers(json: s.contains("--json"))
        },
        Spec(words: ["users", "remove"], usage: "users remove USER", summary: "remove a user and revoke their keys",
             positionals: ["USER"], valued: [], switches: []) { p, _, _ throws(CommandLineError) in
            .removeUser(name: p[0])
        },
    ]

    /// Options every admin command accepts (where the database is).
    static let commonValued = ["--data", "--data-dir", "--config"]

    /// Parses `arguments` (starting with `keys` or `users`). `.help` carries usage text.
    static func parse(_ arguments: [String]) throws(CommandLineError) -> ParsedAdmin {
        let group = arguments[0]
        let specsOfGroup = specs.filter { $0.words[0] == group }
        guard arguments.count > 1, arguments[1] != "--help", arguments[1] != "-h" else {
            if arguments.count > 1 { return .help("Usage:\n" + groupUsage(group)) }
            throw CommandLineError("\(group): missing subcommand (\(specsOfGroup.map { $0.words[1] }.joined(separator: ", ")))")
        }
        guard let spec = specsOfGroup.first(where: { $0.words[1] == arguments[1] }) else {
            throw CommandLineError("\(group): unknown subcommand '\(arguments[1])' (\(specsOfGroup.map { $0.words[1] }.joined(separator: ", ")))")
        }
        let name = spec.words.joined(separator: " ")
        var positionals: [String] = []
        var values: [String: String] = [:]
        var switches: Set<String> = []
        var options = ProxyCommandLine.ConfigOptions()
        var rest = arguments.dropFirst(2)
        while let arg = rest.popFirst() {
            if arg == "--help" || arg == "-h" { return .help("Usage: ds4-proxy \(spec.usage)\n  \(spec.summary)\n  Common: --data DIR, --config FILE\n") }
            if arg.hasPrefix("--") {
                var option = arg
                var value: String?
                if let eq = arg.firstIndex(of: "=") {
                    option = String(arg[..<eq])
                    value = String(arg[arg.index(after: eq)...])
                }
                if spec.switches.contains(option) {
                    guard value == nil else { throw CommandLineError("\(name): \(option) takes no value") }
                    switches.insert(option)
                    continue
                }
                guard spec.valued.contains(option) || commonValued.contains(option) else {
                    throw CommandLineError("\(name): unknown option '\(option)' (usage: ds4-proxy \(spec.usage))")
                }
                if value == nil {
                    guard let next = rest.popFirst() else { throw CommandLineError("\(name): \(option) needs a value") }
                    value = next
                }
                switch option {
                case "--config": options.configFile = value
                case "--data", "--data-dir": options.flags.append((ConfigurationSettings.named("data_dir")!, value!))
                default:
                    guard values[option] == nil else { throw CommandLineError("\(name): \(option) given twice") }
                    values[option] = value
                }
            } else {
                positionals.append(arg)
            }
        }
        let required = spec.positionals.filter { !$0.hasSuffix("?") }.count
        guard positionals.count >= required else {
            throw CommandLineError("\(name): missing \(spec.positionals[positionals.count]) (usage: ds4-proxy \(spec.usage))")
        }
        guard positionals.count <= spec.positionals.count else {
            throw CommandLineError("\(name): unexpected argument '\(positionals[spec.positionals.count])'")
        }
        return .command(try spec.make(positionals, values, switches), options)
    }

    enum ParsedAdmin {
        case command(AdminCommand, ProxyCommandLine.ConfigOptions)
        case help(String)
    }

    static func groupUsage(_ group: String) -> String {
        specs.filter { $0.words[0] == group }.map { "  ds4-proxy \($0.usage)\n      \($0.summary)\n" }.joined()
            + "  Common options: --data DIR, --config FILE\n"
    }

    static func checkUser(_ name: String) throws(CommandLineError) {
        guard KeyStore.isValidUserName(name) else {
            throw CommandLineError("'\(name)' is not a valid user name (1-64 of letters, digits, . _ @ -)")
        }
    }

    static func checkLabel(_ label: String?) throws(CommandLineError) -> String? {
        guard let label else { return nil }
        guard label.utf8.count <= 200, !label.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw CommandLineError("--label must be at most 200 characters without control characters")
        }
        return label
    }
}
