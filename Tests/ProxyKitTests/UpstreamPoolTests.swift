import Glibc
import Synchronization
import Testing
@testable import ProxyKit

struct UpstreamPoolTests {
    @Test func concurrentAcquireAndReleaseNeverTraps() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let pool = UpstreamPool(address: HostPort(host: "127.0.0.1", port: upstream.port), maxIdle: 4)
        defer { pool.close() }
        let done = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        for _ in 0..<8 {
            DetachedThread.start {
                for _ in 0..<500 {
                    guard let lease = try? pool.acquire() else { failures.add(1, ordering: .relaxed); continue }
                    pool.release(lease.socket)
                }
                done.add(1, ordering: .relaxed)
            }
        }
        #expect(upstream.waitUntil(seconds: 30) { done.load(ordering: .relaxed) == 8 })
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(pool.idleCount <= 4)
        #expect(upstream.connectionCount <= 8 + 4)
    }

    @Test func reusesFreshConnectionsAndDropsExpiredOnes() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let pool = UpstreamPool(address: HostPort(host: "127.0.0.1", port: upstream.port), idleTimeout: 0.2, maxIdle: 2)
        defer { pool.close() }
        let first = try pool.acquire()
        #expect(!first.reused)
        pool.release(first.socket)
        let again = try pool.acquire()
        #expect(again.reused && again.socket == first.socket)
        pool.release(again.socket)
        usleep(300_000)
        let fresh = try pool.acquire()
        #expect(!fresh.reused)
        pool.discard(fresh.socket)
    }

    @Test func connectFailuresAreTyped() throws {
        let closed = try Socket.listen(on: HostPort(host: "127.0.0.1", port: 0))
        let port = closed.localPort()
        closed.close()
        let pool = UpstreamPool(address: HostPort(host: "127.0.0.1", port: port))
        defer { pool.close() }
        #expect(throws: UpstreamError.self) { try pool.acquire() }
    }
}
