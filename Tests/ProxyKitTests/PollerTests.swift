#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ProxyKit

/// The poller's per-descriptor bookkeeping over real socket pairs: readiness, the second
/// interest, edges kept for a later wait, deadlines, and descriptors closed and reused.
struct PollerTests {
    /// A connected, non-blocking Unix stream pair; closed (and forgotten) by `close`.
    struct Pair {
        let a: Int32
        let b: Int32

        init() throws {
            var fds: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw SocketError.makeFailed("socketpair") }
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            a = fds[0]
            b = fds[1]
        }

        func send(_ text: String, from fd: Int32) { _ = text.withCString { write(fd, $0, strlen($0)) } }

        func drain(_ fd: Int32) {
            var buffer = [UInt8](repeating: 0, count: 256)
            while read(fd, &buffer, 256) > 0 {}
        }

        func close() {
            for fd in [a, b] {
                Poller.shared.forget(fd)
                _ = Glibc.close(fd)
            }
        }
    }

    @Test func aWaitEndsWhenItsDescriptorBecomesReadable() async throws {
        let pair = try Pair()
        defer { pair.close() }
        async let wake = Poller.shared.wait(.readable(pair.b), deadline: .after(seconds: 10))
        try await Task.sleep(for: .milliseconds(50))
        pair.send("x", from: pair.a)
        #expect(await wake == .ready(0))
    }

    @Test func theSecondInterestReportsIndexOne() async throws {
        let first = try Pair()
        let second = try Pair()
        defer { first.close(); second.close() }
        async let wake = Poller.shared.wait(.readable(first.b), .hangUp(second.b), deadline: .after(seconds: 10))
        try await Task.sleep(for: .milliseconds(50))
        _ = shutdown(second.a, Int32(SHUT_WR))
        #expect(await wake == .ready(1))
        // Bytes alone do not satisfy a hang-up interest; the readable one then wins.
        async let next = Poller.shared.wait(.hangUp(first.b), .readable(second.b), deadline: .after(seconds: 10))
        try await Task.sleep(for: .milliseconds(50))
        first.send("x", from: first.a)
        #expect(await next == .ready(1))
    }

    @Test func anEdgeThatArrivedWhileNobodyWaitedEndsTheNextWaitAtOnce() async throws {
        let pair = try Pair()
        defer { pair.close() }
        // Register the descriptor, let the wait time out, then make it readable with no waiter.
        #expect(await Poller.shared.wait(.readable(pair.b), deadline: .after(seconds: 0.05)) == .timedOut)
        pair.send("x", from: pair.a)
        try await Task.sleep(for: .milliseconds(50))
        #expect(await Poller.shared.wait(.readable(pair.b), deadline: .after(seconds: 10)) == .ready(0))
        // The edge was used up: with the bytes drained, the next wait times out.
        pair.drain(pair.b)
        #expect(await Poller.shared.wait(.readable(pair.b), deadline: .after(seconds: 0.1)) == .timedOut)
    }

    @Test func aHangUpStaysPendingForEveryLaterWait() async throws {
        let pair = try Pair()
        defer { pair.close() }
        #expect(await Poller.shared.wait(.readable(pair.b), deadline: .after(seconds: 0.05)) == .timedOut)
        _ = shutdown(pair.a, Int32(SHUT_WR))
        try await Task.sleep(for: .milliseconds(50))
        #expect(Poller.shared.hasPendingHangUp(pair.b))
        #expect(await Poller.shared.wait(.hangUp(pair.b), deadline: .after(seconds: 10)) == .ready(0))
        #expect(await Poller.shared.wait(.hangUp(pair.b), deadline: .after(seconds: 10)) == .ready(0))
    }

    @Test func aReusedDescriptorNumberDoesNotInheritTheOldOnesEdges() async throws {
        let old = try Pair()
        #expect(await Poller.shared.wait(.readable(old.b), deadline: .after(seconds: 0.05)) == .timedOut)
        old.send("x", from: old.a)
        try await Task.sleep(for: .milliseconds(50))
        let number = old.b
        old.close()
        // The lowest free numbers are reused: the new pair very likely gets the old ones.
        let fresh = try Pair()
        defer { fresh.close() }
        let reused = fresh.a == number ? fresh.a : fresh.b == number ? fresh.b : nil
        if let reused {
            #expect(!Poller.shared.hasPendingHangUp(reused))
            #expect(await Poller.shared.wait(.readable(reused), deadline: .after(seconds: 0.1)) == .timedOut)
        }
    }

    @Test func aSecondWaitOnTheSameDescriptorStillTimesTheFirstOut() async throws {
        let pair = try Pair()
        defer { pair.close() }
        async let first = Poller.shared.wait(.readable(pair.b), deadline: .after(seconds: 0.2))
        try await Task.sleep(for: .milliseconds(50))
        async let second = Poller.shared.wait(.readable(pair.b), deadline: .after(seconds: 10))
        try await Task.sleep(for: .milliseconds(50))
        pair.send("x", from: pair.a)
        // Readiness goes to the newest wait; the displaced one still ends at its deadline.
        #expect(await second == .ready(0))
        #expect(await first == .timedOut)
    }

    @Test func aNegativeDescriptorIsReadyAtOnce() async {
        #expect(await Poller.shared.wait(.readable(-1), deadline: .after(seconds: 10)) == .ready(0))
        #expect(await Poller.shared.wait(.readable(0), .writable(-1), deadline: .after(seconds: 10)) == .ready(1))
    }
}
