import Glibc

/// Replaces a file in one step: the bytes go to a temporary file in the same directory, are
/// flushed, and the temporary file is renamed over the target, so a dashboard polling the file
/// sees the old version or the new one, never half of one.
enum AtomicFileWriter {
    static func write(_ text: String, to path: String) throws(ReportError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .output("\(path): cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var failure: Int32 = 0
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw .output("\(path): cannot write: \(String(cString: strerror(failure)))")
        }
    }
}
