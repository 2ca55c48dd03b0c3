/// A command-line mistake: printed as one line on stderr, exit status 2.
public struct CommandLineError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// Not a mistake: `--help` after a command; the caller prints usage and exits 0.
    public var isHelpRequest = false
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
