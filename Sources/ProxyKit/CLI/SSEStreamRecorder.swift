import Dispatch
import Foundation
import Synchronization
import CLinuxShims
#if canImport(Glibc)
import Glibc
#endif

/// `ds4-proxy bench sse-streams`: the measuring half of `scripts/bench slow-streams`. It runs
/// N concurrent streaming chat requests, one thread per stream blocked in `recv`, and stamps
/// every SSE event with `CLOCK_MONOTONIC` the moment the bytes that complete it arrive. An
/// event loop in Python stamps events late whenever its loop is busy (a few ms at p99 with
/// 200 streams on two cores); a blocked thread is woken by the kernel itself, so what is
/// measured is the proxy, not the client. Each event also gets the kernel's receive stamp of
/// the bytes that complete it (`SO_TIMESTAMPNS`): when they reached this host's socket, before
/// this process was scheduled to read them, so the client's own wake-up delay on a busy
/// machine drops out. Diagnostics, not a test; the Python helper compares the stamps with the
/// upstream's send times.
public enum SSEStreamRecorder {
    public struct Options: Sendable {
        public var target: HostPort
        public var label: String
        public var streams: Int
        public var events: Int
        public var intervalMilliseconds: Double
        public var bearerKey: String?
        public var outputPath: String
    }

    /// One stream's outcome, in the shape the Python helper's own client produces.
    struct StreamResult: Sendable {
        var sid: String
        var status = 0
        var complete = false
        var gotDone = false
        var errorEvent = false
        var connectFailed = false
        var timedOut = false
        var firstID: String?
        var contentType = ""
        var eventTimes: [UInt64] = []
        /// Kernel receive stamps (CLOCK_MONOTONIC ns), one per event; 0 where none came.
        var socketTimes: [UInt64] = []
    }

    /// CLOCK_REALTIME minus CLOCK_MONOTONIC in ns, from the closest of a few paired reads: the
    /// kernel stamps received data on the realtime clock, the upstream on the monotonic one.
    static func realtimeOffset() -> Int64 {
        var best: (width: Int64, offset: Int64) = (.max, 0)
        for _ in 0..<16 {
            var realtime = timespec()
            let before = Int64(Deadline.now().nanoseconds)
            clock_gettime(CLOCK_REALTIME, &realtime)
            let after = Int64(Deadline.now().nanoseconds)
            let width = after - before
            let real = Int64(realtime.tv_sec) * 1_000_000_000 + Int64(realtime.tv_nsec)
            if width < best.width { best = (width, real - (before + width / 2)) }
        }
        return best.offset
    }

    public static func run(_ options: Options) -> (text: String, status: Int32) {
        let offset = realtimeOffset()
        let results = Mutex<[StreamResult]>([])
        let finished = DispatchSemaphore(value: 0)
        let timeout = Double(options.events) * options.intervalMilliseconds / 1000 * 2 + 5
        var started = 0
        for index in 0..<options.streams {
            let launched = DetachedThread.start(stackSize: 256 * 1024) {
                let result = runStream(index: index, options: options, timeoutSeconds: timeout, realtimeOffset: offset)
                results.withLock { $0.append(result) }
                finished.signal()
            }
            if launched { started += 1 }
        }
        for _ in 0..<started { finished.wait() }
        let all = results.withLock { $0 }
        do {
            try Data(json(all).utf8).write(to: URL(fileURLWithPath: options.outputPath), options: .atomic)
        } catch {
            return ("ds4-proxy: cannot write \(options.outputPath): \(error)\n", 1)
        }
        let complete = all.filter { $0.complete && $0.gotDone }.count
        return ("sse-streams label=\(options.label) streams=\(options.streams) complete=\(complete)\n", 0)
    }

    /// Connects, sends the request and stamps events until the response ends.
    static func runStream(index: Int, options: Options, timeoutSeconds: Double, realtimeOffset: Int64) -> StreamResult {
        // Spread the streams over one interval, as the Python client does.
        usleep(UInt32(options.intervalMilliseconds * 1000 * Double(index) / Double(max(1, options.streams))))
        var result = StreamResult(sid: "\(options.label)-\(index)")
        let deadline = Deadline.after(seconds: timeoutSeconds)
        let socket: Socket
        do { socket = try Socket.connect(to: options.target, deadline: .after(seconds: 10)) } catch {
            result.connectFailed = true
            return result
        }
        defer { socket.close() }
        _ = ds4_enable_receive_timestamps(socket.fd)
        let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":\#(options.events),"user":"\#(result.sid)"}"#
        var request = "POST /v1/chat/completions HTTP/1.1\r\nHost: \(options.target)\r\nContent-Type: application/json\r\n"
        request += "Accept: text/event-stream\r\n"
        if let key = options.bearerKey { request += "Authorization: Bearer \(key)\r\n" }
        request += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        do { try socket.write(Array(request.utf8), stallTimeout: 10) } catch {
            result.connectFailed = true
            return result
        }

        var parser = HTTPResponseParser()
        var events = SSEEventSplitter()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        receiving: while true {
            // The thread sleeps in poll(2) until bytes arrive; the stamp is taken right after.
            var stamp: Int64 = 0
            let n = ds4_recv_stamped(socket.fd, buffer.baseAddress, UInt(buffer.count), &stamp)
            let now = Deadline.now().nanoseconds
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                do { try socket.wait(for: Int16(POLLIN), deadline: deadline) } catch {
                    result.timedOut = error == .timedOut
                    break
                }
                continue
            }
            guard n > 0 else { break }
            let arrived = stamp > 0 ? UInt64(clamping: stamp - realtimeOffset) : 0
            parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            do {
                while let event = try parser.next() {
                    switch event {
                    case .head(let head):
                        result.status = head.status
                        result.contentType = head.headers[first: "Content-Type"] ?? ""
                    case .body(let data):
                        for payload in events.feed(data) {
                            result.eventTimes.append(now)
                            result.socketTimes.append(arrived)
                            if payload == Array("data: [DONE]".utf8) {
                                result.gotDone = true
                            } else if result.firstID == nil {
                                result.firstID = SSEEventSplitter.chunkID(payload) ?? ""
                            }
                            if payload.starts(with: Array(#"data: {"error""#.utf8)) { result.errorEvent = true }
                        }
                    case .end:
                        result.complete = true
                        break receiving
                    }
                }
            } catch {
                break
            }
        }
        return result
    }

    static func json(_ results: [StreamResult]) -> String {
        var out = "{\"streams\":["
        for (i, r) in results.enumerated() {
            if i > 0 { out += "," }
            out += "{\"sid\":\(quoted(r.sid)),\"status\":\(r.status),\"complete\":\(r.complete),\"got_done\":\(r.gotDone),"
            out += "\"error_event\":\(r.errorEvent),\"connect_failed\":\(r.connectFailed),\"timed_out\":\(r.timedOut),"
            out += "\"first_id\":\(r.firstID.map(quoted) ?? "null"),\"content_type\":\(quoted(r.contentType)),"
            out += "\"times\":[\(r.eventTimes.map(String.init).joined(separator: ","))],"
            out += "\"socket_times\":[\(r.socketTimes.map(String.init).joined(separator: ","))]}"
        }
        return out + "]}\n"
    }

    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        JSONText.appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
