import Foundation
import Glibc
import Synchronization
import Testing
@testable import ProxyKit

/// The built `ds4-proxy` binary as a process, driven by curl and the official openai SDK.
@Suite(.serialized)
struct BinaryEndToEndTests {
    /// The venv python with `openai` installed (scripts/test creates `.venv`).
    static var python: String? {
        if let given = ProcessInfo.processInfo.environment["DS4_TEST_PYTHON"] { return given }
        let venv = ProxyProcess.packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    @Test func openAISDKWorksUnchanged() throws {
        let python = try #require(Self.python, "no python with openai: run scripts/test (it creates .venv)")
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let script = ProxyProcess.packageRoot.appendingPathComponent("Tests/e2e/openai_client.py").path
        let run = try runCommand(python, [script, proxy.baseURL + "/v1", proxy.key], timeout: 90)
        #expect(run.status == 0, "\(run.stderr)")
        struct Results: Decodable {
            var chat_content: String
            var chat_usage: [Int]
            var stream_content: String
            var stream_usage: [Int]?
            var stream_no_usage_content: String
            var completion_text: String
            var models: [String]
            var bad_request: [JSONScalar]?
            var server_error: [JSONScalar]?
            var not_found: [JSONScalar]?
            var unauthenticated: [JSONScalar]?
            var invalid_json: [JSONScalar]?
        }
        let results = try JSONDecoder().decode(Results.self, from: Data(run.stdout.utf8))
        #expect(results.chat_content == " tok0 tok1 tok2 tok3")
        #expect(results.chat_usage[1] == 4)
        #expect(results.stream_content == " tok0 tok1 tok2 tok3 tok4 tok5")
        #expect(results.stream_usage?[1] == 6)
        #expect(results.stream_no_usage_content == " tok0 tok1")
        #expect(results.completion_text == " tok0 tok1 tok2")
        #expect(results.models == [FakeUpstream.modelName])
        #expect(results.bad_request == [.string("BadRequestError"), .number(400)])
        #expect(results.server_error == [.string("InternalServerError"), .number(500)])
        #expect(results.not_found == [.string("NotFoundError"), .number(404)])
        #expect(results.unauthenticated == [.string("AuthenticationError"), .number(401)])
        #expect(results.invalid_json == [.string("BadRequestError"), .number(400)])
        // The SDK's key never reached the upstream.
        #expect(upstream.requests.allSatisfy { $0.headers[first: "Authorization"] == nil })
    }

    @Test func curlPostsTwoMebibytesWithExpectContinue() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let dir = ProxyProcess.makeTemporaryDirectory()
        let filler = String(repeating: "word ", count: 2 * 1024 * 1024 / 5)
        let body = #"{"model":"m","messages":[{"role":"user","content":"\#(filler)"}],"max_tokens":3}"#
        let file = dir + "/body.json"
        try Data(body.utf8).write(to: URL(fileURLWithPath: file))
        let run = try runCommand("/usr/bin/curl", [
            "-sS", "-v", "-o", dir + "/out.json", "-w", "%{http_code}", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(proxy.key)",
            "-H", "Expect: 100-continue", "--data-binary", "@" + file, proxy.baseURL + "/v1/chat/completions",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "200")
        #expect(run.stderr.contains("HTTP/1.1 100 Continue"))
        #expect(upstream.requests.last?.body == Array(body.utf8))
        let answer = try String(contentsOfFile: dir + "/out.json", encoding: .utf8)
        #expect(answer.contains(#""completion_tokens":3"#))
    }

    /// `worker_threads` and `worker_spin_us` reach the executor: one event-loop thread that
    /// never spins serves a stream and a JSON request, and the start line says so.
    @Test func oneWorkerThreadServes() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url, extraArguments: ["--worker-threads", "1", "--worker-spin-us", "0"])
        defer { proxy.stop() }
        let stream = try runCommand("/usr/bin/curl", [
            "-sSN", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(proxy.key)", "-d", #"{"model":"m","max_tokens":3,"stream":true}"#,
            proxy.baseURL + "/v1/chat/completions",
        ])
        #expect(stream.status == 0 && stream.stdout.hasSuffix("data: [DONE]\n\n"), "\(stream.stdout)")
        let json = try runCommand("/usr/bin/curl", [
            "-sS", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(proxy.key)", "-d", #"{"model":"m","max_tokens":3}"#,
            proxy.baseURL + "/v1/chat/completions",
        ])
        #expect(json.stdout.contains(#""usage""#), "\(json.stdout)")
        #expect(proxy.stderrText().contains("workers=1 spin_us=0"), "\(proxy.stderrText())")
        let bad = try runCommand(ProxyProcess.binary("ds4-proxy").path, ["--worker-threads", "-2", "--data", proxy.dataDirectory])
        #expect(bad.status == 2 && bad.stderr.contains("worker_threads"), "\(bad.stderr)")
    }

    /// The numeric fields of a `/proc/…/stat` file, by their 1-based number in proc(5) (utime 14,
    /// stime 15, nice 19). The command (field 2) may hold spaces, so fields are counted after its
    /// closing parenthesis.
    func procStat(_ path: String) throws -> [Int: Int] {
        let stat = try String(contentsOfFile: path, encoding: .utf8)
        let fields = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        var numbered: [Int: Int] = [:]
        for (offset, field) in fields.enumerated() { numbered[offset + 3] = Int(field) }
        return numbered
    }

    /// Spinning for work is for busy moments only: after a burst of requests, an idle proxy
    /// with the longest spin allowed sleeps. A worker that kept spinning would use about a
    /// core per worker over the idle second; the bound is a fifth of one.
    @Test func anIdleProxyDoesNotSpin() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url, extraArguments: ["--worker-spin-us", "10000"])
        defer { proxy.stop() }
        for _ in 0..<3 {
            let client = try TestHTTPClient(port: proxy.port)
            for _ in 0..<20 {
                try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"m","max_tokens":2}"#, key: proxy.key))
                #expect(try client.readResponse().status == 200)
            }
        }
        #expect(proxy.stderrText().contains("spin_us=10000"), "\(proxy.stderrText())")
        usleep(200_000)
        func cpuTicks() throws -> Int {
            let stat = try procStat("/proc/\(proxy.process.processIdentifier)/stat")
            return stat[14]! + stat[15]!
        }
        let before = try cpuTicks()
        usleep(1_000_000)
        let used = try cpuTicks() - before
        #expect(used < sysconf(Int32(_SC_CLK_TCK)) / 5, "an idle proxy used \(used) clock ticks in one second")
    }

    /// The usage index writer runs at a lower priority than the threads serving requests, so
    /// its SQLite batches yield the CPU to relaying (one thread at nice 5, the rest at 0).
    @Test func indexWriterRunsAtLowerPriority() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let pid = proxy.process.processIdentifier
        func threadNices() throws -> [Int] {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").map { tid in
                try procStat("/proc/\(pid)/task/\(tid)/stat")[19]!
            }
        }
        // The writer thread sets its own priority as it starts: wait (bounded) for it.
        var nices = try threadNices()
        let deadline = Deadline.after(seconds: 2)
        while !nices.contains(Int(UsageIndexWriter.threadNice)) && !deadline.hasPassed {
            usleep(20_000)
            nices = try threadNices()
        }
        #expect(nices.filter { $0 == Int(UsageIndexWriter.threadNice) }.count == 1, "\(nices)")
        #expect(nices.filter { $0 == 0 }.count == nices.count - 1, "\(nices)")
    }

    @Test func curlStreamsAndGets404() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let stream = try runCommand("/usr/bin/curl", [
            "-sSN", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(proxy.key)", "-d", #"{"model":"m","max_tokens":3,"stream":true}"#,
            proxy.baseURL + "/v1/chat/completions",
        ])
        #expect(stream.status == 0)
        #expect(stream.stdout.hasPrefix("data: {"))
        #expect(stream.stdout.hasSuffix("data: [DONE]\n\n"))
        let notFound = try runCommand("/usr/bin/curl", ["-sS", "-w", "\n%{http_code}", proxy.baseURL + "/metrics"])
        #expect(notFound.stdout.hasSuffix("\n404"))
        #expect(notFound.stdout.contains(#""type":"invalid_request_error""#))
        #expect(upstream.requestCount == 1)
    }

    @Test func sigtermLetsARunningStreamFinishThenExitsZero() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let idle = try TestHTTPClient(port: proxy.port)  // an idle keep-alive connection
        try idle.send(RawRequest.get("/healthz", key: nil))
        _ = try idle.readResponse(method: "GET")
        let client = try TestHTTPClient(port: proxy.port)
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"slow","max_tokens":40,"stream":true}"#, key: proxy.key))
        var signalled = false
        let response = try client.readResponse(timeout: 20) { _ in
            if !signalled {
                signalled = true
                proxy.signal(SIGTERM)
            }
        }
        #expect(signalled)
        #expect(response.status == 200)
        #expect(response.text.hasSuffix("data: [DONE]\n\n"))
        #expect(response.text.contains("tok39"))
        #expect(response.header("Connection") == nil || response.header("Connection") == "close")
        #expect(proxy.waitForExit(seconds: 10) == 0)
        #expect(idle.isClosedByServer())
        #expect(throws: (any Error).self) { _ = try TestHTTPClient(port: proxy.port) }
    }

    /// The drain after SIGTERM (or SIGINT) is bounded by `shutdown_grace`: a stream that would run for
    /// seconds more is cut when the grace ends, and the process still exits 0.
    @Test(arguments: [SIGTERM, SIGINT]) func sigtermDrainStopsAtTheShutdownGrace(signal: Int32) throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url, extraArguments: ["--shutdown-grace", "0.5"])
        defer { proxy.stop() }
        let client = try TestHTTPClient(port: proxy.port)
        // 500 events, one every 20 ms: ten seconds of stream.
        try client.send(RawRequest.post("/v1/chat/completions", json: #"{"model":"slow","max_tokens":500,"stream":true}"#, key: proxy.key))
        var signalled = false
        _ = try? client.readResponse(timeout: 20) { _ in
            if !signalled {
                signalled = true
                proxy.signal(signal)
            }
        }
        #expect(signalled)
        let raw = String(decoding: client.rawReceived, as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 200 OK") && !raw.contains("tok499"), "the stream was not cut at the grace")
        #expect(proxy.waitForExit(seconds: 5) == 0)
    }

    /// `ds4-proxy` with no arguments at all serves on 127.0.0.1:8643 in front of
    /// 127.0.0.1:8000 with ./ds4-data, says so in one line, and stops with exit 0 on SIGTERM.
    /// (Skipped when something on this machine already holds 8643.)
    @Test func runsWithNoArgumentsOnTheDefaultAddress() throws {
        if let busy = try? Socket.connect(to: HostPort(host: "127.0.0.1", port: 8643), deadline: .after(seconds: 1)) {
            busy.close()
            return
        }
        let dir = ProxyProcess.makeTemporaryDirectory()
        let process = Process()
        process.executableURL = try ProxyProcess.binary("ds4-proxy")
        process.arguments = []
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DS4_PROXY_") }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let text = ProxyProcess.firstLine(of: stdout)
        #expect(text == "ds4-proxy listening on http://127.0.0.1:8643 -> upstream http://127.0.0.1:8000, data in ./ds4-data\n", "\(text)")
        #expect(FileManager.default.fileExists(atPath: dir + "/ds4-data"))
        kill(process.processIdentifier, SIGTERM)
        let deadline = Deadline.after(seconds: 10)
        while process.isRunning && !deadline.hasPassed { usleep(20_000) }
        #expect(!process.isRunning && process.terminationStatus == 0)
    }

    @Test func startsWithDefaultsAndPrintsWhereItListens() throws {
        let run = try runCommand(ProxyProcess.binary("ds4-proxy").path, ["config", "show"], environment: [:])
        #expect(run.status == 0)
        let config = try JSONDecoder().decode(ProxyConfiguration.self, from: Data(run.stdout.utf8))
        #expect(config == ProxyConfiguration())
        #expect(run.stdout.contains(#""listen" : "127.0.0.1:8643""#))
        #expect(run.stdout.contains(#""upstream" : "http://127.0.0.1:8000""#))
    }

    @Test func configPrecedenceIsFlagsThenEnvironmentThenFile() throws {
        let dir = ProxyProcess.makeTemporaryDirectory()
        let file = dir + "/config.json"
        try Data(#"{"listen":"127.0.0.1:1111","max_body_bytes":1000,"header_timeout":3}"#.utf8).write(to: URL(fileURLWithPath: file))
        let run = try runCommand(ProxyProcess.binary("ds4-proxy").path,
                                 ["config", "show", "--config", file, "--max-body-bytes", "3000"],
                                 environment: ["DS4_PROXY_MAX_BODY_BYTES": "2000", "DS4_PROXY_HEADER_TIMEOUT": "4"])
        #expect(run.status == 0, "\(run.stderr)")
        let config = try JSONDecoder().decode(ProxyConfiguration.self, from: Data(run.stdout.utf8))
        #expect(config.listen == "127.0.0.1:1111")
        #expect(config.maxBodyBytes == 3000)
        #expect(config.headerTimeout == 4)
    }

    @Test(arguments: [
        ["--no-such-flag", "1"], ["config", "shw"], ["frobnicate"], ["--listen"], ["--max-body-bytes", "lots"],
        ["--upstream", "https://x:1"], ["--listen", "nohost"], ["--config", "/nonexistent/config.json"],
        ["keys"], ["keys", "frob"], ["keys", "issue"], ["keys", "issue", "bad user"], ["keys", "issue", "bob", "--expires", "soon"],
        ["keys", "issue", "bob", "--expires", "2001-01-01"], ["keys", "revoke"], ["keys", "revoke", "a", "--user", "b"],
        ["keys", "list", "--json=yes"], ["keys", "rotate", "bob", "--grace", "1x"], ["users", "set", "bob", "--rpm", "-1"],
        ["users", "set", "bob", "--models", "a,,b"], ["users", "remove"], ["users", "list", "extra"], ["keys", "issue", "bob", "--bogus"],
    ])
    func badArgumentsGiveOneLineAndExit2(arguments: [String]) throws {
        let run = try runCommand(ProxyProcess.binary("ds4-proxy").path, arguments, environment: [:], timeout: 10)
        #expect(run.status == 2, "\(arguments)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("ds4-proxy: "))
    }

    @Test func helpExitsZero() throws {
        for arguments in [["--help"], ["serve", "--help"], ["config", "--help"], ["keys", "--help"], ["users", "--help"],
                          ["keys", "issue", "--help"], ["users", "set", "--help"]] {
            let run = try runCommand(ProxyProcess.binary("ds4-proxy").path, arguments, environment: [:])
            #expect(run.status == 0)
            #expect(run.stdout.contains("Usage"))
        }
        let report = try runCommand(ProxyProcess.binary("usage-report").path, ["--help"], environment: [:])
        #expect(report.status == 0)
        #expect(report.stdout.contains("usage-report"))
    }
}

/// A JSON string or number, for loosely typed script output.
enum JSONScalar: Decodable, Equatable {
    case string(String)
    case number(Int)
    case null
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null } else if let n = try? container.decode(Int.self) { self = .number(n) } else { self = .string(try container.decode(String.self)) }
    }
}

/// Keys through the binary's own CLI against a running proxy, with the openai SDK.
@Suite(.serialized)
struct KeyLifecycleEndToEndTests {
    func sdk(_ proxy: ProxyProcess, key: String, _ mode: [String]) throws -> String {
        let python = try #require(BinaryEndToEndTests.python, "no python with openai: run scripts/test")
        let script = ProxyProcess.packageRoot.appendingPathComponent("Tests/e2e/openai_client.py").path
        let run = try runCommand(python, [script, proxy.baseURL + "/v1", key] + mode, timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout
    }

    @Test func issueListUseRevokeRotate() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }

        // Issue while the proxy runs: only the key on stdout, a hint on stderr.
        let issued = try proxy.admin(["keys", "issue", "bob", "--label", "laptop"])
        #expect(issued.status == 0)
        let key = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(APIKey(presented: key) != nil)
        #expect(issued.stdout == key + "\n")
        #expect(issued.stderr.contains("shown only once"))

        // The list names it without the secret.
        let list = try proxy.admin(["keys", "list"])
        let id = String(key.dropFirst(7).prefix(8))
        #expect(list.stdout.contains(id) && list.stdout.contains("bob") && list.stdout.contains("laptop"))
        #expect(!list.stdout.contains(key))
        let json = try proxy.admin(["keys", "list", "--json", "--user", "bob"])
        let records = try JSONDecoder().decode([KeyRecord].self, from: Data(json.stdout.utf8))
        #expect(records.map(\.id) == [id])

        // It works through the proxy within 2 s (live reload), with the SDK.
        var works = false
        let deadline = Date().addingTimeInterval(2)
        while !works && Date() < deadline {
            works = try sdk(proxy, key: key, ["probe"]).contains(#""result": "ok""#)
        }
        #expect(works)

        // Revoked: AuthenticationError within 2 s.
        #expect(try proxy.admin(["keys", "revoke", id]).status == 0)
        let revoked = try sdk(proxy, key: key, ["until-401", "2.0"])
        #expect(revoked.contains("AuthenticationError"), "\(revoked)")

        // Rotate with grace: old and new both work; without grace the old one stops.
        let carol = try proxy.admin(["keys", "issue", "carol"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let rotated = try proxy.admin(["keys", "rotate", "carol", "--grace", "1h"])
        let carolNew = rotated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rotated.status == 0 && carolNew != carol)
        usleep(1_500_000)
        #expect(try sdk(proxy, key: carolNew, ["probe"]).contains(#""result": "ok""#))
        #expect(try sdk(proxy, key: carol, ["probe"]).contains(#""result": "ok""#))
        #expect(try proxy.admin(["keys", "rotate", "carol"]).status == 0)
        #expect(try sdk(proxy, key: carolNew, ["until-401", "2.0"]).contains("AuthenticationError"))

        // Nothing anywhere holds a key: not the logs, not the database files.
        proxy.signal(SIGTERM)
        #expect(proxy.waitForExit(seconds: 10) == 0)
        let logs = proxy.stderrText()
        #expect(logs.contains("keys reloaded"))
        for secret in [key, carol, carolNew, proxy.key] {
            #expect(!logs.contains(secret))
            #expect(!logs.contains(String(secret.dropFirst(7))))
            for file in try FileManager.default.contentsOfDirectory(atPath: proxy.dataDirectory) {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: proxy.dataDirectory + "/" + file))
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a key")
                #expect(bytes.range(of: Data(secret.dropFirst(7).utf8)) == nil, "\(file) holds a key")
            }
        }
        // last_used was recorded (in a batch, by the proxy).
        let after = try JSONDecoder().decode([KeyRecord].self, from: Data(proxy.admin(["keys", "list", "--json", "--user", "bob"]).stdout.utf8))
        #expect(after.first?.lastUsed != nil)
    }

    @Test func dataDirectoryAndDatabaseArePrivate() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        var info = stat()
        #expect(stat(proxy.dataDirectory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(stat(proxy.dataDirectory + "/ds4.sqlite", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test func usersCommandsRoundTrip() throws {
        let dir = ProxyProcess.makeTemporaryDirectory() + "/data"
        let binary = try ProxyProcess.binary("ds4-proxy").path
        func run(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try runCommand(binary, args + ["--data", dir], environment: [:])
        }
        #expect(try run(["users", "set", "dana", "--rpm", "60", "--tpm", "100000", "--daily-tokens", "5000000",
                         "--max-concurrent", "2", "--context-cap", "200000", "--models", "a,b"]).status == 0)
        var users = try JSONDecoder().decode([UserRecord].self, from: Data(run(["users", "list", "--json"]).stdout.utf8))
        #expect(users.first?.policy == UserPolicy(rpm: 60, tpm: 100_000, dailyTokens: 5_000_000, maxConcurrent: 2, contextCap: 200_000, models: ["a", "b"]))
        #expect(try run(["users", "set", "dana", "--rpm", "default", "--models", "default"]).status == 0)
        users = try JSONDecoder().decode([UserRecord].self, from: Data(run(["users", "list", "--json"]).stdout.utf8))
        #expect(users.first?.policy.rpm == nil && users.first?.policy.models == nil && users.first?.policy.tpm == 100_000)
        _ = try run(["keys", "issue", "dana"])
        #expect(try run(["users", "remove", "dana"]).status == 0)
        let keys = try JSONDecoder().decode([KeyRecord].self, from: Data(run(["keys", "list", "--json"]).stdout.utf8))
        #expect(keys.count == 1 && keys[0].revoked != nil)
        #expect(try run(["users", "remove", "dana"]).status == 1)
        #expect(try run(["users", "list"]).stdout.hasPrefix("USER"))
    }
}

/// Metering through the built binary: SDK usage in the journal and SQLite, crash safety, logrotate.
@Suite(.serialized)
struct MeteringEndToEndTests {
    func journal(_ dataDirectory: String, file: String = UsageJournal.fileName) throws -> [String] {
        try String(contentsOfFile: dataDirectory + "/" + file, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func indexRows(_ dataDirectory: String) throws -> [UsageRecord] {
        let db = try ProxyDatabase.open(dataDirectory: dataDirectory)
        defer { db.close() }
        return try UsageIndex.records(in: db)
    }

    @Test func sdkUsageLandsInJournalAndIndex() throws {
        let python = try #require(BinaryEndToEndTests.python, "no python with openai: run scripts/test")
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let script = ProxyProcess.packageRoot.appendingPathComponent("Tests/e2e/openai_client.py").path
        let run = try runCommand(python, [script, proxy.baseURL + "/v1", proxy.key], timeout: 90)
        #expect(run.status == 0, "\(run.stderr)")
        proxy.signal(SIGTERM)
        #expect(proxy.waitForExit(seconds: 10) == 0)
        let records = try journal(proxy.dataDirectory).map { try #require(UsageRecord(jsonLine: Array($0.utf8))) }
        // One record per request the script made (10, including the rejected ones).
        #expect(records.count == 10)
        let chat = try #require(records.first)
        #expect(chat.usageSource == .upstream && chat.completionTokens == 4 && chat.user == "e2e" && !chat.stream)
        #expect(chat.promptTokens == FakeUpstream.promptTokens(upstream.requests[0].body))
        let stream = records[1]
        #expect(stream.stream && stream.usageSource == .upstream && stream.completionTokens == 6 && stream.ttftMs != nil)
        let injected = records[2]
        #expect(injected.stream && injected.usageSource == .upstream && injected.completionTokens == 2)
        #expect(upstream.requests[2].body.containsSubsequence(Array(#""stream_options":{"include_usage":true}"#.utf8)))
        #expect(records.contains { $0.status == 401 && $0.user == nil && $0.reason == "invalid_api_key" })
        #expect(records.contains { $0.status == 404 && $0.reason == "not_found" })
        #expect(try indexRows(proxy.dataDirectory) == records)
    }

    @Test func killNineLosesNothingTheClientSawComplete() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let completed = Mutex<[String]>([])
        let running = Atomic<Int>(0)
        for worker in 0..<4 {
            running.add(1, ordering: .relaxed)
            DetachedThread.start { [port = proxy.port, key = proxy.key] in
                defer { running.subtract(1, ordering: .relaxed) }
                guard let client = try? TestHTTPClient(port: port) else { return }
                for i in 0..<10_000 {
                    let body = #"{"model":"m","messages":[{"role":"user","content":"w\#(worker) r\#(i)"}],"max_tokens":20,"stream":true}"#
                    guard (try? client.send(RawRequest.post("/v1/chat/completions", json: body, key: key))) != nil,
                          let response = try? client.readResponse(timeout: 5), response.status == 200,
                          let id = response.header("X-Request-Id") else { return }
                    completed.withLock { $0.append(id) }
                }
            }
        }
        // Let the load run, then kill the proxy mid-stream.
        let deadline = Date().addingTimeInterval(10)
        while completed.withLock({ $0.count }) < 300 && Date() < deadline { usleep(10_000) }
        proxy.signal(SIGKILL)
        _ = proxy.waitForExit(seconds: 5)
        while running.load(ordering: .relaxed) > 0 { usleep(10_000) }
        let seen = completed.withLock { $0 }
        #expect(seen.count >= 300)

        // Every completed request has exactly one line. Only the last line can be torn (the
        // kill landed inside a write that crossed a page): its client never saw completion.
        let before = try journal(proxy.dataDirectory)
        #expect(before.dropLast().allSatisfy { UsageRecord(jsonLine: Array($0.utf8)) != nil })

        // Restart: a torn tail is cut, and reconciliation puts every journal line into the
        // index exactly once.
        let restarted = try ProxyProcess(upstream: upstream.url, dataDirectory: proxy.dataDirectory)
        restarted.signal(SIGTERM)
        #expect(restarted.waitForExit(seconds: 10) == 0)
        let lines = try journal(proxy.dataDirectory)
        let records = lines.compactMap { UsageRecord(jsonLine: Array($0.utf8)) }
        #expect(records.count == lines.count, "a torn line survived the restart")
        #expect(lines.count >= before.count - 1)
        var perID: [String: Int] = [:]
        for record in records { perID[record.requestID, default: 0] += 1 }
        for id in seen { #expect(perID[id] == 1, "request \(id)") }
        var rowsPerID: [String: Int] = [:]
        for row in try indexRows(proxy.dataDirectory) { rowsPerID[row.requestID, default: 0] += 1 }
        for id in seen { #expect(rowsPerID[id] == 1, "request \(id) in the index") }
        #expect(rowsPerID.count == perID.count)
    }

    @Test func sighupAfterLogrotateMoveStartsANewJournal() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let proxy = try ProxyProcess(upstream: upstream.url)
        defer { proxy.stop() }
        let client = try TestHTTPClient(port: proxy.port)
        func burst() throws {
            for _ in 0..<20 {
                try client.send(RawRequest.post("/v1/completions", json: #"{"model":"m","max_tokens":1}"#, key: proxy.key))
                #expect(try client.readResponse().status == 200)
            }
        }
        try burst()
        let path = proxy.dataDirectory + "/" + UsageJournal.fileName
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        proxy.signal(SIGHUP)
        usleep(200_000)
        try burst()
        proxy.signal(SIGTERM)
        #expect(proxy.waitForExit(seconds: 10) == 0)
        let old = try journal(proxy.dataDirectory, file: UsageJournal.fileName + ".1")
        let new = try journal(proxy.dataDirectory)
        #expect(old.count + new.count == 40)
        #expect(new.count >= 20)
        #expect((old + new).allSatisfy { UsageRecord(jsonLine: Array($0.utf8)) != nil })
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }
}

extension Array where Element: Equatable {
    func containsSubsequence(_ needle: [Element]) -> Bool {
        guard needle.count <= count else { return false }
        for start in 0...(count - needle.count) where Array(self[start..<start + needle.count]) == needle { return true }
        return false
    }
}
