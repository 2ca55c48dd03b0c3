import Foundation
import Testing
@testable import ProxyKit

/// The slow-streams stamper: its event splitter, its command line, and its two stamps per event
/// against the in-test upstream. (What the stamps measure is a benchmark, run by
/// `scripts/bench slow-streams`.)
struct SSEStreamRecorderTests {
    static let stream = Array((
        ": keep-alive comment\n\n"
        + #"data: {"id":"chatcmpl-proxy1-7","choices":[{"delta":{"content":"a"}}]}"# + "\n\n"
        + #"data: {"id":"chatcmpl-proxy1-7","choices":[{"delta":{"content":"b\n"}}]}"# + "\n\n"
        + "\n\n"
        + #"data: {"error":{"message":"boom"}}"# + "\n\n"
        + "data: [DONE]\n\n").utf8)

    @Test func splitsEventsAtBlankLinesAndSkipsCommentsAndEmptyEvents() {
        var splitter = SSEEventSplitter()
        let events = splitter.feed(Self.stream).map { String(decoding: $0, as: UTF8.self) }
        #expect(events.count == 4)
        #expect(events.first?.hasPrefix("data: {\"id\"") == true)
        #expect(events.last == "data: [DONE]")
        #expect(SSEEventSplitter.chunkID(Array(events[0].utf8)) == "chatcmpl-proxy1-7")
        #expect(SSEEventSplitter.chunkID(Array("data: [DONE]".utf8)) == nil)
    }

    @Test func everySplitPointGivesTheSameEvents() {
        var whole = SSEEventSplitter()
        let expected = whole.feed(Self.stream)
        for cut in 0...Self.stream.count {
            var splitter = SSEEventSplitter()
            let events = splitter.feed(Array(Self.stream[..<cut])) + splitter.feed(Array(Self.stream[cut...]))
            #expect(events == expected, "split at \(cut)")
        }
        var byteByByte = SSEEventSplitter()
        #expect(Self.stream.flatMap { byteByByte.feed([$0]) } == expected)
    }

    @Test func commandLineNeedsTargetLabelAndOut() throws {
        guard case .benchSSEStreams(let options) = try ProxyCommandLine.parse(
            ["bench", "sse-streams", "--target", "127.0.0.1:8643", "--label", "p1", "--out", "/tmp/x.json", "--streams", "3"])
        else {
            Issue.record("expected bench sse-streams")
            return
        }
        #expect(options.target == HostPort(host: "127.0.0.1", port: 8643) && options.streams == 3 && options.events == 100)
        #expect(options.intervalMilliseconds == 20 && options.bearerKey == nil)
        for bad in [["bench", "sse-streams"], ["bench", "sse-streams", "--target", "nohost", "--label", "a", "--out", "o"],
                    ["bench", "sse-streams", "--target", "h:1", "--label", "a", "--out", "o", "--streams", "0"],
                    ["bench", "sse-streams", "--target", "h:1", "--label", "a", "--out", "o", "--bogus", "1"],
                    ["bench", "sse-streams", "--target"], ["bench", "nope"]] {
            #expect(throws: CommandLineError.self, "\(bad)") { try ProxyCommandLine.parse(bad) }
        }
    }

    /// Every event gets the kernel's receive stamp, converted to the monotonic clock: never
    /// after the moment the recorder read the bytes (it is when they reached the socket), and
    /// close to it. Unconverted realtime stamps or missing ones (0) fail this.
    @Test func stampsEveryEventOnArrivalAtTheSocketAndWhenRead() throws {
        let upstream = try FakeUpstream()
        defer { upstream.stop() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("recorder-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let options = SSEStreamRecorder.Options(
            target: HostPort(host: "127.0.0.1", port: upstream.port), label: "t", streams: 3, events: 4,
            intervalMilliseconds: 1, bearerKey: nil, outputPath: out)
        let (text, status) = SSEStreamRecorder.run(options)
        #expect(status == 0 && text.contains("complete=3"), "\(text)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        let streams = try #require(json?["streams"] as? [[String: Any]])
        #expect(streams.count == 3)
        for stream in streams {
            let read = try #require(stream["times"] as? [UInt64])
            let arrived = try #require(stream["socket_times"] as? [UInt64])
            // role chunk, 4 tokens, usage chunk, [DONE]
            #expect(read.count == 7 && arrived.count == 7, "\(stream)")
            for (r, a) in zip(read, arrived) {
                #expect(a > 0 && a <= r + 1_000_000 && r - min(r, a) < 2_000_000_000, "read \(r) arrived \(a)")
            }
        }
    }
}
