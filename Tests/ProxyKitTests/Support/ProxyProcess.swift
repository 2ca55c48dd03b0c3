import Foundation
import Glibc
import Synchronization

/// The built `ds4-proxy` binary, started as a child process on an ephemeral port.
final class ProxyProcess {
    let process = Process()
    let port: Int
    /// The proxy's stderr goes to a file (a pipe nobody drains would block its logging).
    let stderrPath: String
    let dataDirectory: String
    /// A key issued (through the binary's own CLI) before the proxy started, for user `e2e`.
    let key: String

    /// The package root (this file is Tests/ProxyKitTests/Support/ProxyProcess.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func binary(_ name: String) throws -> URL {
        if let override = ProcessInfo.processInfo.environment["DS4_BIN_DIR"] {
            return URL(fileURLWithPath: override).appendingPathComponent(name)
        }
        for dir in [".build/debug", ".build/x86_64-unknown-linux-gnu/debug", ".build/release"] {
            let url = packageRoot.appendingPathComponent(dir).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw SetupError("\(name) is not built: run `swift build` first (scripts/test does)")
    }

    struct SetupError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// A new directory under the system temp dir, removed (with its contents) when the test
    /// process exits.
    static func makeTemporaryDirectory() -> String {
        var template = Array((NSTemporaryDirectory() + "/ds4-test-XXXXXX").utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        _ = removalAtExit
        temporaryDirectories.withLock { $0.append(path) }
        return path
    }

    private static let temporaryDirectories = Mutex<[String]>([])
    private static let removalAtExit: Void = {
        atexit {
            for path in ProxyProcess.temporaryDirectories.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }()

    /// Starts the binary; a new data directory (with a key for user `e2e`) unless one is given.
    init(upstream: String, dataDirectory existing: String? = nil, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        let root = Self.makeTemporaryDirectory()
        dataDirectory = existing ?? root + "/data"
        stderrPath = root + "/stderr.log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let issued = try runCommand(Self.binary("ds4-proxy").path, ["keys", "issue", "e2e", "--data", dataDirectory], environment: [:])
        guard issued.status == 0 else { throw SetupError("keys issue failed: \(issued.stderr)") }
        key = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        process.executableURL = try Self.binary("ds4-proxy")
        process.arguments = ["--listen", "127.0.0.1:0", "--upstream", upstream, "--data", dataDirectory] + extraArguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DS4_PROXY_") }
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        // The first stdout line names the bound port.
        let text = Self.firstLine(of: stdout)
        guard let range = text.range(of: "http://127.0.0.1:"),
              let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            throw SetupError("ds4-proxy did not print its address: \(text)")
        }
        self.port = port
    }

    /// What a process wrote to `pipe` up to its first newline (or its end).
    static func firstLine(of pipe: Pipe) -> String {
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        return String(decoding: line, as: UTF8.self)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs `ds4-proxy ARGS --data <this proxy's data dir>`.
    func admin(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(Self.binary("ds4-proxy").path, arguments + ["--data", dataDirectory], environment: [:])
    }

    /// Everything the proxy wrote to stderr so far.
    func stderrText() -> String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits (bounded) for exit; returns the status, or nil if it is still running.
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() {
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// Runs a command to completion (bounded) and returns its exit status and output. Output
/// goes through temporary files, so a chatty child can never block on a full pipe.
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil, timeout: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let dir = ProxyProcess.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let outURL = URL(fileURLWithPath: dir + "/out")
    let errURL = URL(fileURLWithPath: dir + "/err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    if let stdin {
        let inURL = URL(fileURLWithPath: dir + "/in")
        try Data(stdin.utf8).write(to: inURL)
        process.standardInput = try FileHandle(forReadingFrom: inURL)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return (process.terminationStatus, out, err)
}
