import Foundation
import Glibc
import Synchronization
@testable import ProxyKit

/// A small vLLM-shaped server for tests (see shared/vllm-wire.md). Behaviour is chosen by the
/// request's `model`:
/// - anything else: a normal chat/completions answer, streaming when `stream` is true, with
///   a usage chunk only when `stream_options.include_usage` is true;
/// - `hang`: reads the request and never answers (waits for the client to leave);
/// - `silent-stream`: sends the 200 SSE head, then nothing (a queued request);
/// - `error-500`: a vLLM 500 error body;
/// - `hop-headers`, `hop-headers-split`: responses carrying hop-by-hop fields (the second names
///   one in a second `Connection` field);
/// - `drop-always`: resets the connection instead of answering; `drop-reused` does so on a
///   reused connection only;
/// - `firehose`: 64 KiB chunks as fast as they are read, counted (`firehoseBytesWritten`);
/// - `midclose`: three events, then the socket is closed without the final chunk;
/// - `slow`: `max_tokens` events, one every 20 ms.
/// It records every request it receives and counts streams the client aborted.
final class FakeUpstream: Sendable {
    struct Received: Sendable {
        var method: String
        var target: String
        var headers: HTTPHeaders
        var body: [UInt8]
        var rawHead: String
    }

    let port: Int
    private let listener: Socket
    private let received = Mutex<[Received]>([])
    private let abortTimes = Mutex<[Deadline]>([])
    private let connections = Atomic<Int>(0)
    private let firehoseWritten = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    static let modelName = "deepseek-ai/DeepSeek-V4-Flash"

    init() throws {
        listener = try Socket.listen(on: HostPort(host: "127.0.0.1", port: 0))
        port = listener.localPort()
        DetachedThread.start { [self] in self.acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Received] { received.withLock { $0 } }
    var requestCount: Int { received.withLock { $0.count } }
    var abortCount: Int { abortTimes.withLock { $0.count } }
    var lastAbort: Deadline? { abortTimes.withLock { $0.last } }
    var connectionCount: Int { connections.load(ordering: .relaxed) }
    /// Bytes the `firehose` model has managed to write so far.
    var firehoseBytesWritten: Int { firehoseWritten.load(ordering: .relaxed) }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        listener.shutdownBoth()
    }

    /// Waits (bounded) until `condition` holds.
    func waitUntil(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Deadline.after(seconds: seconds)
        while !deadline.hasPassed {
            if condition() { return true }
            usleep(2_000)
        }
        return condition()
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            do { try listener.wait(for: Int16(POLLIN), deadline: .after(seconds: 0.2)) } catch { continue }
            guard let accepted = try? listener.accept() else { continue }
            connections.add(1, ordering: .relaxed)
            DetachedThread.start { [self] in
                self.serve(accepted.socket)
                accepted.socket.close()
            }
        }
        listener.close()
    }

    private func serve(_ socket: Socket) {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxBodyBytes: 64 * 1024 * 1024))
        var buffer = [UInt8](repeating: 0, count: 65536)
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        var served = 0
        while !stopped.load(ordering: .relaxed) {
            do {
                while let event = try parser.next() {
                    switch event {
                    case .head(let h): head = h; body = []
                    case .body(let b): body += b
                    case .end:
                        guard let h = head else { return }
                        received.withLock {
                            $0.append(Received(method: h.method, target: h.target, headers: h.headers, body: body,
                                               rawHead: h.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")))
                        }
                        served += 1
                        if !respond(to: h, body: body, on: socket, requestIndexOnConnection: served) { return }
                    }
                }
            } catch { return }
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let r = try? socket.read(into: raw, deadline: .after(seconds: 30)) else { return -1 }
                if case .bytes(let n) = r { return n }
                return r == .wouldBlock ? 0 : -1
            }
            if n < 0 { return }
            if n > 0 { buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
        }
    }

    // MARK: - Responses

    /// Deterministic prompt size: the number of whitespace-separated words in the body.
    static func promptTokens(_ body: [UInt8]) -> Int {
        String(decoding: body, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).count
    }

    private func respond(to head: HTTPRequestHead, body: [UInt8], on socket: Socket, requestIndexOnConnection: Int) -> Bool {
        if head.target == "/v1/models" {
            return send(socket, status: 200, json: #"{"object":"list","data":[{"id":"deepseek-ai/DeepSeek-V4-Flash","object":"model","created":1795713233,"owned_by":"vllm","root":"/models/dsv4","parent":null,"max_model_len":1048576}]}"#)
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        let model = json["model"] as? String ?? ""
        let stream = json["stream"] as? Bool ?? false
        let includeUsage = (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        let maxTokens = json["max_tokens"] as? Int ?? 3
        let chat = head.target == "/v1/chat/completions"
        let prompt = FakeUpstream.promptTokens(body)
        switch model {
        case "hang":
            waitForClientClose(socket)
            return false
        case "silent-stream":
            try? socket.write(Array(Self.sseHead.utf8), stallTimeout: 5)
            waitForClientClose(socket)
            return false
        case "hop-headers":
            let body = Array(#"{"ok":true}"#.utf8)
            let head = "HTTP/1.1 200 OK\r\nconnection: keep-alive, x-secret\r\nx-secret: 1\r\nkeep-alive: timeout=5\r\nupgrade: h2c\r\nproxy-authenticate: Basic\r\nx-request-id: upstream-id\r\nx-kept: yes\r\ncontent-type: application/json\r\ncontent-length: \(body.count)\r\n\r\n"
            return (try? socket.write(Array(head.utf8) + body, stallTimeout: 5)) != nil
        case "hop-headers-split":
            // The hop-by-hop name sits in a second Connection field, after a plain keep-alive.
            let body = Array(#"{"ok":true}"#.utf8)
            let head = "HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nconnection: x-secret\r\nx-secret: 1\r\nx-kept: yes\r\ncontent-type: application/json\r\ncontent-length: \(body.count)\r\n\r\n"
            return (try? socket.write(Array(head.utf8) + body, stallTimeout: 5)) != nil
        case "drop-always":
            socket.setLingerReset()
            return false
        case "firehose":
            // A stream of 64 KiB chunks, as fast as the reader takes them, up to 256 MiB.
            var chunk: [UInt8] = []
            HTTPEncoder.appendChunk([UInt8](repeating: 0x61, count: 64 * 1024), to: &chunk)
            guard (try? socket.write(Array(Self.sseHead.utf8), stallTimeout: 5)) != nil else { return false }
            for _ in 0..<4096 {
                guard (try? socket.write(chunk, stallTimeout: 10)) != nil else {
                    abortTimes.withLock { $0.append(.now()) }
                    return false
                }
                firehoseWritten.add(chunk.count, ordering: .relaxed)
            }
            return (try? socket.write(HTTPEncoder.lastChunk, stallTimeout: 5)) != nil
        case "drop-reused" where requestIndexOnConnection > 1:
            // The race uvicorn's idle close creates: a reused connection dies unanswered.
            socket.setLingerReset()
            return false
        case "bad-request":
            return send(socket, status: 400, json: #"{"error":{"message":"max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)","type":"BadRequestError","param":"max_tokens","code":400}}"#)
        case "error-500":
            return send(socket, status: 500, json: #"{"error":{"message":"Internal server error","type":"InternalServerError","param":null,"code":500}}"#)
        default:
            break
        }
        if !stream {
            let usage = #""usage":{"prompt_tokens":\#(prompt),"total_tokens":\#(prompt + maxTokens),"completion_tokens":\#(maxTokens),"prompt_tokens_details":null,"completion_tokens_details":null}"#
            let text = (0..<maxTokens).map { " tok\($0)" }.joined()
            let answer = chat
                ? #"{"id":"chatcmpl-fake","object":"chat.completion","created":1795713237,"model":"\#(Self.modelName)","choices":[{"index":0,"message":{"role":"assistant","content":"\#(text)","refusal":null,"annotations":null,"audio":null,"function_call":null,"reasoning":null},"logprobs":null,"finish_reason":"length","stop_reason":null,"token_ids":null}],"service_tier":null,"system_fingerprint":"vllm-0.33.0-fake",\#(usage),"prompt_logprobs":null,"kv_transfer_params":null}"#
                : #"{"id":"cmpl-fake","object":"text_completion","created":1795713237,"model":"\#(Self.modelName)","choices":[{"index":0,"text":"\#(text)","logprobs":null,"finish_reason":"length","stop_reason":null}],"service_tier":null,"system_fingerprint":"vllm-0.33.0-fake",\#(usage),"kv_transfer_params":null}"#
            return send(socket, status: 200, json: answer)
        }
        let events = Self.streamEvents(chat: chat, tokens: maxTokens, prompt: prompt, includeUsage: includeUsage)
        do {
            try socket.write(Array(Self.sseHead.utf8), stallTimeout: 5)
            for (index, event) in events.enumerated() {
                if model == "midclose" && index == 3 {
                    socket.shutdownBoth()
                    return false
                }
                if model == "slow" {
                    usleep(20_000)
                    if socket.peerHasHungUp() { throw SocketError.disconnected }
                }
                var chunk: [UInt8] = []
                HTTPEncoder.appendChunk(Array(event.utf8), to: &chunk)
                try socket.write(chunk, stallTimeout: 5)
            }
            try socket.write(HTTPEncoder.lastChunk, stallTimeout: 5)
        } catch {
            abortTimes.withLock { $0.append(.now()) }
            return false
        }
        return true
    }

    static let sseHead = "HTTP/1.1 200 OK\r\ndate: Thu, 26 Nov 2026 17:13:52 GMT\r\nserver: uvicorn\r\ncontent-type: text/event-stream; charset=utf-8\r\nvary: Origin\r\ntransfer-encoding: chunked\r\n\r\n"

    /// The SSE events of a stream, exactly as vLLM 0.33 frames them.
    static func streamEvents(chat: Bool, tokens: Int, prompt: Int, includeUsage: Bool) -> [String] {
        var events: [String] = []
        let id = chat ? "chatcmpl-fake" : "cmpl-fake"
        let object = chat ? "chat.completion.chunk" : "text_completion"
        let prefix = #"{"id":"\#(id)","object":"\#(object)","created":1795713233,"model":"\#(modelName)","#
        if chat {
            events.append(#"data: \#(prefix)"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null,"prompt_text":null}"# + "\n\n")
        }
        for i in 0..<tokens {
            let last = i == tokens - 1
            let finish = last ? #""length","stop_reason":null"# : "null"
            let fingerprint = last && !includeUsage ? #","system_fingerprint":"vllm-0.33.0-fake""# : ""
            let choice = chat
                ? #"{"index":0,"delta":{"content":" tok\#(i)"},"logprobs":null,"finish_reason":\#(finish),"token_ids":null}"#
                : #"{"index":0,"text":" tok\#(i)","logprobs":null,"finish_reason":\#(finish),"token_ids":null}"#
            events.append(#"data: \#(prefix)"choices":[\#(choice)]\#(fingerprint),"kv_transfer_params":null}"# + "\n\n")
        }
        if includeUsage {
            events.append(#"data: \#(prefix)"choices":[],"usage":{"prompt_tokens":\#(prompt),"total_tokens":\#(prompt + tokens),"completion_tokens":\#(tokens)},"system_fingerprint":"vllm-0.33.0-fake"}"# + "\n\n")
        }
        events.append("data: [DONE]\n\n")
        return events
    }

    private func send(_ socket: Socket, status: Int, json: String) -> Bool {
        let body = Array(json.utf8)
        var out = Array("HTTP/1.1 \(status) \(HTTPStatus.reason(status))\r\ndate: Thu, 26 Nov 2026 17:13:52 GMT\r\nserver: uvicorn\r\ncontent-length: \(body.count)\r\ncontent-type: application/json\r\nvary: Origin\r\n\r\n".utf8)
        out += body
        return (try? socket.write(out, stallTimeout: 5)) != nil
    }

    private func waitForClientClose(_ socket: Socket) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        let deadline = Deadline.after(seconds: 30)
        while !deadline.hasPassed && !stopped.load(ordering: .relaxed) {
            let closed = scratch.withUnsafeMutableBytes { raw -> Bool in
                do throws(SocketError) {
                    return try socket.read(into: raw, deadline: .after(seconds: 0.05)) == .endOfFile
                } catch {
                    return error != .timedOut
                }
            }
            if closed {
                abortTimes.withLock { $0.append(.now()) }
                return
            }
        }
    }
}
