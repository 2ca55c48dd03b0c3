#if canImport(Glibc)
import Glibc
#endif

/// The data directory (database, usage journal): created on first run with mode 0700.
public enum DataDirectory {
    /// Creates `path` (and parents) if missing. Returns a one-line problem, or nil.
    public static func prepare(_ path: String) -> String? {
        var isDirectory = stat()
        if stat(path, &isDirectory) == 0 {
            return (isDirectory.st_mode & S_IFMT) == S_IFDIR ? nil : "data directory \(path) exists and is not a directory"
        }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                return "cannot create data directory \(path): \(SocketError.message(for: errno))"
            }
            prefix += "/"
        }
        return nil
    }
}
