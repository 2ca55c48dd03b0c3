#if canImport(Glibc)
import Glibc
#endif

/// Starts detached POSIX threads with a small, fixed stack (of which only touched pages count
/// toward RSS): the executor's workers, the key sync, the index writer and the pool reaper.
public enum DetachedThread {
    /// Default stack size, in bytes (the executor's workers ask for more).
    public static let defaultStackSize = 256 * 1024

    /// Runs `body` on a new detached thread. Returns false when the system refused a thread.
    @discardableResult
    public static func start(stackSize: Int = defaultStackSize, _ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        return true
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
