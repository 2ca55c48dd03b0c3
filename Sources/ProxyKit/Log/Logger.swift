#if canImport(Glibc)
import Glibc
#endif

/// Structured logging to stderr in logfmt (`ts=… level=… msg="…" key=value`), one `write(2)`
/// per line so lines from different threads never interleave. Never log keys or prompts.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
        public var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
        public init?(name: String) {
            guard let level = Level.allCases.first(where: { $0.name == name }) else { return nil }
            self = level
        }
    }

    /// Lines below this level are dropped before their message is built.
    public var level: Level
    /// The file descriptor lines go to (stderr by default).
    public var fd: Int32

    public init(level: Level = .info, fd: Int32 = 2) {
        self.level = level
        self.fd = fd
    }

    public func debug(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) {
        log(.debug, message(), fields())
    }
    public func info(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) {
        log(.info, message(), fields())
    }
    public func warning(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) {
        log(.warning, message(), fields())
    }
    public func error(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String> = [:]) {
        log(.error, message(), fields())
    }

    func log(_ lineLevel: Level, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, String>) {
        guard lineLevel >= level else { return }
        var line = "ts=\(UTCTimestamp.now()) level=\(lineLevel.name) msg=\(Logger.quoted(message()))"
        for (key, value) in fields() {
            line += " \(key)=\(Logger.quoted(value))"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            _ = Glibc.write(fd, raw.baseAddress, raw.count)
        }
    }

    /// Quotes a value (JSON string escaping) when it contains spaces, quotes, `=` or control bytes.
    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x5C || $0 == 0x7F }
        return needsQuotes ? JSONText.quoted(value) : value
    }
}
