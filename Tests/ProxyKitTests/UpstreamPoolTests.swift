import Glibc
import Synchronization
import Testing
@testable import ProxyKit

struct UpstreamPoolTests {
    @Test func concurrentAcquireAndReleaseNeverTraps() async throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let pool = UpstreamPool(address: HostPort(host: "127.0.0.1", port: upstream.port), maxIdle: 4)
        defer { pool.close() }
        let failures = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask(executorPreference: WorkerExecutor.shared) {
                    var failed = 0
                    for _ in 0..<500 {
                        guard let lease = try? await pool.acquire() else { failed += 1; continue }
                        pool.release(lease.socket)
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(pool.idleCount <= 4)
        #expect(upstream.connectionCount <= 8 + 4)
    }

    @Test func reusesFreshConnectionsAndDropsExpiredOnes() async throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let pool = UpstreamPool(address: HostPort(host: "127.0.0.1", port: upstream.port), idleTimeout: 0.2, maxIdle: 2)
        defer { pool.close() }
        let first = try await pool.acquire()
        #expect(!first.reused)
        pool.release(first.socket)
        let again = try await pool.acquire()
        #expect(again.reused && again.socket == first.socket)
        pool.release(again.socket)
        usleep(300_000)
        let fresh = try await pool.acquire()
        #expect(!fresh.reused)
        pool.discard(fresh.socket)
    }

    @Test func connectFailuresAreTyped() async throws {
        let closed = try Socket.listen(on: HostPort(host: "127.0.0.1", port: 0))
        let port = closed.localPort()
        closed.close()
        let pool = UpstreamPool(address: HostPort(host: "127.0.0.1", port: port))
        defer { pool.close() }
        await #expect(throws: UpstreamError.self) { try await pool.acquire() }
    }
}
