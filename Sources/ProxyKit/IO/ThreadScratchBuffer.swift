#if canImport(Glibc)
import Glibc
#endif

/// One read buffer per thread, for reads whose bytes are copied out before the thread can run
/// anything else (a `recv` followed at once by the parser's `append`, with no suspension in
/// between). A thousand idle keep-alive connections then hold no read buffer at all, instead
/// of 16 KiB each.
enum ThreadScratchBuffer {
    static let size = 16 * 1024

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in pointer?.deallocate() }
        return key
    }()

    /// This thread's buffer, allocated on first use and freed when the thread exits. Use it
    /// only synchronously: another task on this thread may reuse it after any suspension.
    static var current: UnsafeMutableRawBufferPointer {
        if let pointer = pthread_getspecific(key) { return UnsafeMutableRawBufferPointer(start: pointer, count: size) }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        pthread_setspecific(key, pointer)
        return UnsafeMutableRawBufferPointer(start: pointer, count: size)
    }
}
