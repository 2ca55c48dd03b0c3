import Foundation

/// Runs admin commands against the database of the configured data directory.
enum AdminMain {
    /// Output of a command: stdout text, stderr lines, exit status.
    struct Output {
        var stdout = ""
        var stderr = ""
        var status: Int32 = 0
    }

    static func run(_ command: AdminCommand, config: ProxyConfiguration) -> Output {
        let connection: SQLiteConnection
        do { connection = try ProxyDatabase.open(dataDirectory: config.dataDir) } catch {
            return Output(stderr: "ds4-proxy: \(error)\n", status: 1)
        }
        defer { connection.close() }
        do {
            return try execute(command, store: KeyStore(connection: connection), now: Authenticator.now())
        } catch {
            return Output(stderr: "ds4-proxy: \(error)\n", status: 1)
        }
    }

    static func execute(_ command: AdminCommand, store: KeyStore, now: Int) throws(SQLiteError) -> Output {
        var out = Output()
        switch command {
        case let .issueKey(user, label, expires):
            let (key, record) = try store.issueKey(user: user, label: label, expires: expires.flatMap { TimeSpec.expiry($0, now: now) }, now: now)
            out.stdout = key.secret + "\n"
            out.stderr = "issued key \(record.id) for \(user)\(record.expires.map { ", expires " + UTCTimestamp.format(secondsSinceEpoch: $0) } ?? ""); it is shown only once\n"
        case let .listKeys(user, json):
            let keys = try store.listKeys(user: user)
            out.stdout = json ? encode(keys) : keyTable(keys, now: now)
        case let .revokeKey(id):
            if try store.revokeKey(id: id, at: now) {
                out.stderr = "revoked key \(id)\n"
            } else {
                out.stderr = "ds4-proxy: no key with id '\(id)'\n"
                out.status = 1
            }
        case let .revokeUserKeys(user):
            let count = try store.revokeKeys(user: user, at: now)
            out.stderr = "revoked \(count) key\(count == 1 ? "" : "s") of \(user)\n"
        case let .rotateKey(user, label, grace):
            let (key, revoked) = try store.rotate(user: user, label: label, grace: grace, now: now)
            out.stdout = key.secret + "\n"
            out.stderr = "issued key \(key.id) for \(user); \(revoked) older key\(revoked == 1 ? "" : "s") "
                + (grace > 0 ? "stop working at \(UTCTimestamp.format(secondsSinceEpoch: now + grace))\n" : "revoked now\n")
        case let .setUser(name, rpm, tpm, dailyTokens, maxConcurrent, contextCap, models):
            var update = UserPolicyUpdate()
            func change(_ text: String?) -> PolicyChange {
                guard let text else { return .unchanged }
                return text == "default" ? .clear : .set(.integer(Int64(text)!))
            }
            update.rpm = change(rpm)
            update.tpm = change(tpm)
            update.dailyTokens = change(dailyTokens)
            update.maxConcurrent = change(maxConcurrent)
            update.contextCap = change(contextCap)
            if let models { update.models = models == "default" ? .clear : .set(.text(models)) }
            try store.setUser(name, update: update, now: now)
            out.stderr = "updated user \(name)\n"
        case let .listUsers(json):
            let users = try store.listUsers(now: now)
            out.stdout = json ? encode(users) : userTable(users)
        case let .removeUser(name):
            if try store.removeUser(name, now: now) {
                out.stderr = "removed user \(name) and revoked their keys\n"
            } else {
                out.stderr = "ds4-proxy: no user '\(name)'\n"
                out.status = 1
            }
        }
        return out
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("[]".utf8), as: UTF8.self) + "\n"
    }

    static func time(_ seconds: Int?) -> String { seconds.map { UTCTimestamp.format(secondsSinceEpoch: $0) } ?? "-" }

    static func keyTable(_ keys: [KeyRecord], now: Int) -> String {
        var rows = [["ID", "USER", "LABEL", "CREATED", "EXPIRES", "REVOKED", "LAST USED", "STATUS"]]
        for key in keys {
            rows.append([key.id, key.user, key.label ?? "-", time(key.created), time(key.expires), time(key.revoked), time(key.lastUsed),
                         key.isActive(at: now) ? "active" : (key.revoked.map { $0 <= now } ?? false) ? "revoked" : "expired"])
        }
        return TextTable.render(rows)
    }

    static func userTable(_ users: [UserRecord]) -> String {
        var rows = [["USER", "RPM", "TPM", "DAILY TOKENS", "CONCURRENT", "CONTEXT CAP", "MODELS", "ACTIVE KEYS"]]
        func value(_ v: Int?) -> String { v.map(String.init) ?? "default" }
        for user in users {
            let p = user.policy
            rows.append([user.name, value(p.rpm), value(p.tpm), value(p.dailyTokens), value(p.maxConcurrent), value(p.contextCap),
                         p.models?.joined(separator: ",") ?? "any", String(user.activeKeys)])
        }
        return TextTable.render(rows)
    }
}
