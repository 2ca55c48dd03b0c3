/// A configuration problem, with a one-line message for the user.
public enum ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownSetting(String, source: String)
    case invalidValue(setting: String, value: String, expected: String, source: String)
    case unreadableFile(path: String, reason: String)
    case invalid(String)

    public var description: String {
        switch self {
        case let .unknownSetting(name, source): "unknown setting '\(name)' in \(source)"
        case let .invalidValue(setting, value, expected, source): "\(source): '\(value)' is not valid for \(setting) (expected \(expected))"
        case let .unreadableFile(path, reason): "cannot read config file \(path): \(reason)"
        case let .invalid(message): message
        }
    }
}
