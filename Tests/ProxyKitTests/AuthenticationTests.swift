import Foundation
import Glibc
import Testing
@testable import ProxyKit

/// Bearer-key authentication through the real proxy (in-process, real sockets, real SQLite).
@Suite(.serialized)
struct AuthenticationTests {
    static let body = #"{"model":"m","max_tokens":1}"#

    func status(_ proxy: ProxyHarness, headers: [String], key: String? = ProxyHarness.testKey.secret) throws -> TestHTTPClient.Response {
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.body, headers: headers, key: key))
        return try client.readResponse()
    }

    func issue(_ proxy: ProxyHarness, _ user: String) throws -> String {
        try proxy.admin(.issueKey(user: user, label: nil, expires: nil)).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls (bounded) until a request with `key` gets `expected`.
    func eventually(_ proxy: ProxyHarness, key: String, _ expected: Int, seconds: Double = 2) throws -> Bool {
        let deadline = Deadline.after(seconds: seconds)
        while !deadline.hasPassed {
            if try status(proxy, headers: [], key: key).status == expected { return true }
            usleep(50_000)
        }
        return false
    }

    @Test(arguments: [
        [], ["Authorization: Basic dXNlcjpwYXNz"], ["Authorization: Bearer"], ["Authorization: Bearer "],
        ["Authorization: Bearer sk-ds4-"], ["Authorization: Bearer sk-ds4-unknownunknownunknownunknownunknownunkn"],
        ["Authorization: Token \(ProxyHarness.testKey.secret)"], ["Authorization: Bearer\t\(ProxyHarness.testKey.secret)"],
        ["Authorization: Bearer \(ProxyHarness.testKey.secret)x"], ["Authorization: \(ProxyHarness.testKey.secret)"],
        ["X-Api-Key: \(ProxyHarness.testKey.secret)"],
    ])
    func rejectsWithOpenAIShaped401(headers: [String]) throws {
        let proxy = try ProxyHarness()
        let response = try status(proxy, headers: headers, key: nil)
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate") == "Bearer")
        let error = try JSONDecoder().decode(ErrorEnvelope.self, from: Data(response.body))
        #expect(error.error.code == "invalid_api_key")
        #expect(error.error.type == "invalid_request_error")
        #expect(error.error.message.hasPrefix("Invalid API key"))
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func schemeIsCaseInsensitiveAndTrailingSpaceIsOWS() throws {
        let proxy = try ProxyHarness()
        for header in ["Authorization: bearer \(ProxyHarness.testKey.secret)", "Authorization: BEARER \(ProxyHarness.testKey.secret)",
                       "Authorization: Bearer \(ProxyHarness.testKey.secret)   ", "Authorization: Bearer   \(ProxyHarness.testKey.secret)"] {
            #expect(try status(proxy, headers: [header], key: nil).status == 200, "\(header)")
        }
    }

    @Test func twoAuthorizationHeadersAre400AndClose() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: Self.body, headers: [RawRequest.authorization]))
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(client.isClosedByServer())
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func anotherUsersIdPrefixDoesNotAuthenticate() throws {
        let proxy = try ProxyHarness()
        let alice = try issue(proxy, "alice")
        let forged = String(alice.prefix(7 + 8)) + String(repeating: "Z", count: 32)
        #expect(try eventually(proxy, key: alice, 200))
        #expect(try status(proxy, headers: [], key: forged).status == 401)
    }

    @Test func issuedKeyWorksAndRevokedKeyStopsWithinTwoSeconds() throws {
        let proxy = try ProxyHarness()
        let key = try issue(proxy, "bob")
        #expect(try eventually(proxy, key: key, 200))
        let id = try #require(APIKey(presented: key)).id
        #expect(try proxy.admin(.revokeKey(id: id)).status == 0)
        #expect(try eventually(proxy, key: key, 401))
        // Other users' keys are unaffected.
        #expect(try status(proxy, headers: []).status == 200, "harness key")
    }

    /// A keep-alive connection hashes its key once (`BearerDigestCache`): a revocation must
    /// still reach it, and another key on the same connection must be checked as itself.
    @Test func revokedKeyStopsOnTheSameKeepAliveConnection() throws {
        let proxy = try ProxyHarness()
        let key = try issue(proxy, "carol")
        #expect(try eventually(proxy, key: key, 200))
        let client = try proxy.client()
        func send(_ key: String) throws -> Int {
            try client.send(RawRequest.post("/v1/chat/completions", json: Self.body, key: key))
            return try client.readResponse().status
        }
        #expect(try send(key) == 200)
        let forged = String(key.prefix(7 + 8)) + String(repeating: "Z", count: 32)
        #expect(try send(forged) == 401)
        #expect(try send(key) == 200)
        #expect(try send(ProxyHarness.testKey.secret) == 200)
        #expect(try send(key) == 200)
        let id = try #require(APIKey(presented: key)).id
        #expect(try proxy.admin(.revokeKey(id: id)).status == 0)
        let deadline = Deadline.after(seconds: 2)
        var status = 200
        while status == 200 && !deadline.hasPassed {
            status = try send(key)
            if status == 200 { usleep(50_000) }
        }
        #expect(status == 401)
        #expect(try send(ProxyHarness.testKey.secret) == 200, "the harness key on the same connection")
    }

    @Test func expiredKeyIsRejected() throws {
        let proxy = try ProxyHarness()
        let connection = try ProxyDatabase.open(dataDirectory: proxy.dataDirectory)
        let key = APIKey.generate()
        _ = try KeyStore(connection: connection).insert(key, user: "old", label: nil, expires: Authenticator.now() + 3, now: Authenticator.now())
        connection.close()
        #expect(try eventually(proxy, key: key.secret, 200))
        usleep(3_100_000)
        #expect(try status(proxy, headers: [], key: key.secret).status == 401)
    }

    @Test func modelsOutsideTheAllowlistAre403AndHiddenFromTheList() throws {
        let proxy = try ProxyHarness()
        _ = try proxy.admin(.setUser(name: "tester", rpm: nil, tpm: nil, dailyTokens: nil, maxConcurrent: nil, contextCap: nil,
                                     models: "deepseek-ai/DeepSeek-V4-Flash,m"))
        usleep(600_000)
        let client = try proxy.client()
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"other","max_tokens":1}"#))
        let denied = try client.readResponse()
        #expect(denied.status == 403)
        let error = try JSONDecoder().decode(ErrorEnvelope.self, from: Data(denied.body))
        #expect(error.error.code == "model_not_allowed")
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"m","max_tokens":1}"#))
        #expect(try client.readResponse().status == 200)
        #expect(proxy.upstream.requestCount == 1)

        try client.send(RawRequest.get("/v1/models"))
        let listed = try client.readResponse(method: "GET")
        #expect(listed.text.contains("deepseek-ai/DeepSeek-V4-Flash"))
        _ = try proxy.admin(.setUser(name: "tester", rpm: nil, tpm: nil, dailyTokens: nil, maxConcurrent: nil, contextCap: nil, models: "m"))
        usleep(600_000)
        try client.send(RawRequest.get("/v1/models"))
        let filtered = try client.readResponse(method: "GET")
        #expect(filtered.status == 200)
        #expect(filtered.text == #"{"object":"list","data":[]}"#)
        #expect(filtered.header("Content-Length") == String(filtered.body.count))
    }

    @Test func invalidJSONBodyIs400AndNotForwarded() throws {
        let proxy = try ProxyHarness()
        for body in ["", "{", "[1]", #"{"model":"m",}"#, #"{"model":"a","model":"b"}"#, "{\"model\":\"m\"} x"] {
            let client = try proxy.client()
            try client.send(RawRequest.post("/v1/chat/completions", json: body))
            let response = try client.readResponse()
            #expect(response.status == 400, "\(body)")
            #expect(response.text.contains("invalid_json"))
        }
        #expect(proxy.upstream.requestCount == 0)
    }

    @Test func lastUsedIsRecordedInBatches() throws {
        let proxy = try ProxyHarness()
        #expect(try status(proxy, headers: []).status == 200)
        let deadline = Deadline.after(seconds: 3)
        var recorded = false
        while !deadline.hasPassed && !recorded {
            let connection = try ProxyDatabase.open(dataDirectory: proxy.dataDirectory)
            recorded = try KeyStore(connection: connection).listKeys(user: "tester").first?.lastUsed != nil
            connection.close()
            usleep(100_000)
        }
        #expect(recorded)
    }

    @Test func healthzNeedsNoKey() throws {
        let proxy = try ProxyHarness()
        let client = try proxy.client()
        try client.send(RawRequest.get("/healthz", key: nil))
        #expect(try client.readResponse(method: "GET").status == 200)
    }
}

/// The reload on request (what SIGHUP calls), apart from the once-a-second poll: with a poll
/// interval of an hour, only `requestReload()` can make a revocation or a new key count.
struct AuthenticatorReloadTests {
    @Test func aReloadRequestAppliesChangesWithoutWaitingForThePoll() throws {
        let dir = ProxyProcess.makeTemporaryDirectory() + "/data"
        let connection = try ProxyDatabase.open(dataDirectory: dir)
        defer { connection.close() }
        let store = KeyStore(connection: connection)
        let (old, oldRecord) = try store.issueKey(user: "ann", label: nil, expires: nil, now: Authenticator.now())
        let authenticator = try Authenticator(dataDirectory: dir, logger: Logger(level: .warning), pollInterval: 3600)
        authenticator.start()
        defer { authenticator.stop() }
        func result(_ key: APIKey) -> AuthResult { authenticator.authenticate(HTTPHeaders([("Authorization", "Bearer \(key.secret)")])) }
        func eventually(_ key: APIKey, _ authenticated: Bool) -> Bool {
            let deadline = Deadline.after(seconds: 2)
            while !deadline.hasPassed {
                if case .authenticated = result(key) { if authenticated { return true } } else if !authenticated { return true }
                usleep(20_000)
            }
            return false
        }
        #expect(eventually(old, true))
        // Let the sync thread's own start-up reload pass, so what follows can only be the request's.
        usleep(300_000)
        #expect(try store.revokeKey(id: oldRecord.id, at: Authenticator.now()))
        let (new, _) = try store.issueKey(user: "ann", label: nil, expires: nil, now: Authenticator.now())
        // Without a request nothing changes (the poll is an hour away).
        usleep(300_000)
        if case .authenticated = result(old) {} else { Issue.record("revocation applied without a reload request") }
        authenticator.requestReload()
        #expect(eventually(old, false), "the revoked key still works after the reload request")
        #expect(eventually(new, true), "the new key does not work after the reload request")
    }
}

struct KeyStoreTests {
    func withStore(_ body: (KeyStore) throws -> Void) throws {
        let dir = ProxyProcess.makeTemporaryDirectory()
        let connection = try ProxyDatabase.open(dataDirectory: dir + "/data")
        defer {
            connection.close()
            try? FileManager.default.removeItem(atPath: dir)
        }
        try body(KeyStore(connection: connection))
    }

    @Test func storesOnlyTheHash() throws {
        try withStore { store in
            let (key, record) = try store.issueKey(user: "u", label: "l", expires: nil, now: 100)
            let table = try store.loadAuthTable(now: 100)
            #expect(table.keys[KeyDigest(SHA256.hash(key.secret))]?.keyID == record.id)
            #expect(table.keys.count == 1)
            #expect(table.policies["u"] == UserPolicy())
        }
    }

    @Test func rotateRevokesOthersAfterGrace() throws {
        try withStore { store in
            let (old, _) = try store.issueKey(user: "u", label: nil, expires: nil, now: 100)
            let (new, revoked) = try store.rotate(user: "u", label: nil, grace: 3600, now: 200)
            #expect(revoked == 1)
            #expect(try store.loadAuthTable(now: 300).keys.count == 2)
            let later = try store.loadAuthTable(now: 3800)
            #expect(later.keys[KeyDigest(SHA256.hash(old.secret))] == nil)
            #expect(later.keys[KeyDigest(SHA256.hash(new.secret))] != nil)
        }
    }

    @Test func userNamesAreChecked() {
        #expect(KeyStore.isValidUserName("bob.smith@lab-1_x"))
        for bad in ["", "a b", "a/b", String(repeating: "a", count: 65), "é", "a\n"] { #expect(!KeyStore.isValidUserName(bad)) }
    }
}

struct TimeSpecTests {
    @Test func durationsAndDates() {
        #expect(TimeSpec.duration("45s") == 45)
        #expect(TimeSpec.duration("90m") == 5400)
        #expect(TimeSpec.duration("12h") == 43_200)
        #expect(TimeSpec.duration("30d") == 2_592_000)
        #expect(TimeSpec.duration("2w") == 1_209_600)
        for bad in ["", "d", "0d", "-1d", "1y", "1.5h", "99999999999999d"] { #expect(TimeSpec.duration(bad) == nil, "\(bad)") }
        #expect(TimeSpec.date("2027-01-01") == 1_798_761_600)
        #expect(TimeSpec.date("2027-01-01T12:00:00Z") == 1_798_804_800)
        for bad in ["2027-02-31", "2027-13-01", "27-01-01", "2027-01-01T25:00:00Z", "2027/01/01"] { #expect(TimeSpec.date(bad) == nil, "\(bad)") }
        #expect(TimeSpec.expiry("1h", now: 1000) == 4600)
        #expect(TimeSpec.expiry("2001-01-01", now: 1_800_000_000) == nil)
    }
}
