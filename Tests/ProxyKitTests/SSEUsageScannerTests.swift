import Testing

@testable import ProxyKit

struct SSEUsageScannerTests {
    // MARK: - Fixtures: vLLM 0.33.0 bytes from vllm-wire.md §1 and §3

    static let chatRole =
        #"data: {"id":"chatcmpl-8055c4e0851fb68f","object":"chat.completion.chunk","created":1795713233,"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null,"prompt_text":null}"#
        + "\n\n"

    static func chatToken(_ text: String) -> String {
        #"data: {"id":"chatcmpl-8055c4e0851fb68f","object":"chat.completion.chunk","created":1795713233,"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[{"index":0,"delta":{"content":""#
            + text
            + #""},"logprobs":null,"finish_reason":null,"token_ids":null}],"kv_transfer_params":null}"# + "\n\n"
    }

    /// The finish chunk when no usage chunk follows (it carries `system_fingerprint`).
    static let chatFinish =
        #"data: {"id":"chatcmpl-8055c4e0851fb68f","object":"chat.completion.chunk","created":1795713233,"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[{"index":0,"delta":{"content":" tok2"},"logprobs":null,"finish_reason":"length","stop_reason":null,"token_ids":null,"weight_versions":null}],"system_fingerprint":"vllm-0.33.0-615081ad","kv_transfer_params":null}"#
        + "\n\n"

    /// The finish chunk when a usage chunk follows (it loses `system_fingerprint`).
    static let chatFinishBeforeUsage =
        #"data: {"id":"chatcmpl-8055c4e0851fb68f","object":"chat.completion.chunk","created":1795713233,"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[{"index":0,"delta":{"content":" tok2"},"logprobs":null,"finish_reason":"length","stop_reason":null,"token_ids":null,"weight_versions":null}],"kv_transfer_params":null}"#
        + "\n\n"

    static let chatUsage =
        #"data: {"id":"chatcmpl-9f81824b337da104","object":"chat.completion.chunk","created":1795713233,"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[],"usage":{"prompt_tokens":5,"total_tokens":8,"completion_tokens":3},"system_fingerprint":"vllm-0.33.0-615081ad"}"#
        + "\n\n"

    static let done = "data: [DONE]\n\n"

    static func completionToken(_ text: String, finish: String = "null") -> String {
        #"data: {"id":"cmpl-a1d42b23bd561256","object":"text_completion","created":1795713237,"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[{"index":0,"text":""#
            + text + #"","logprobs":null,"finish_reason":"# + finish
            + #","stop_reason":null,"prompt_token_ids":null,"token_ids":null,"weight_versions":null}],"kv_transfer_params":null}"#
            + "\n\n"
    }

    static let completionUsage =
        #"data: {"id":"cmpl-a1d42b23bd561256","object":"text_completion","created":1795713237,"model":"deepseek-ai/DeepSeek-V4-Flash","choices":[],"usage":{"prompt_tokens":2,"total_tokens":4,"completion_tokens":2},"system_fingerprint":"vllm-0.33.0-615081ad"}"#
        + "\n\n"

    static let chatError =
        #"data: {"error":{"message":"Internal server error","type":"InternalServerError","param":null,"code":500}}"#
        + "\n\n"
    static let completionError =
        #"data: {"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}"#
        + "\n\n"

    /// Chat with `stream_options.include_usage`: role, three tokens, usage chunk, `[DONE]`.
    static let chatWithUsage: [String] = [
        chatRole, chatToken(" tok0"), chatToken(" tok1"), chatFinishBeforeUsage, chatUsage, done,
    ]
    /// Chat without `stream_options`: no usage at all.
    static let chatWithoutUsage: [String] = [chatRole, chatToken(" tok0"), chatToken(" tok1"), chatFinish, done]
    /// Completions with `include_usage`: two tokens, usage chunk, `[DONE]`.
    static let completionsWithUsage: [String] = [
        completionToken(" tok0"), completionToken(" tok1", finish: #""length""#), completionUsage, done,
    ]

    static let model = "deepseek-ai/DeepSeek-V4-Flash"
    static let chatTokens = TokenUsage(promptTokens: 5, completionTokens: 3)
    static let completionTokens = TokenUsage(promptTokens: 2, completionTokens: 2)

    // MARK: - Harness

    /// Everything a run of the scanner produced, apart from the time.
    struct Outcome: Hashable, CustomStringConvertible {
        var usage: TokenUsage?
        var contentDeltas: Int
        var sawDone: Bool
        var error: StreamError?
        var removedUsageChunk: Bool
        var model: String?
        var output: [UInt8]

        var description: String {
            let usage = self.usage.map {
                "\($0.promptTokens.map(String.init) ?? "nil")/\($0.completionTokens.map(String.init) ?? "nil")"
            }
            return "usage \(usage ?? "nil"), deltas \(self.contentDeltas), done \(self.sawDone), "
                + "error \(String(describing: self.error)), removed \(self.removedUsageChunk), "
                + "model \(self.model ?? "nil"), output \(String(decoding: self.output, as: UTF8.self).debugDescription)"
        }
    }

    static func bytes(_ events: [String], lineEnding: String = "\n") -> [UInt8] {
        let lf = UInt8(ascii: "\n")
        let ending = Array(lineEnding.utf8)
        var out: [UInt8] = []
        for byte in events.joined().utf8 {
            if byte == lf { out.append(contentsOf: ending) } else { out.append(byte) }
        }
        return out
    }

    /// Feeds `pieces` with `now` = 1, 2, 3, …; in pass-through mode each feed must return its input.
    static func run(
        _ pieces: [[UInt8]], remove: Bool, maxEventBytes: Int = 1 << 20,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> (Outcome, SSEUsageScanner) {
        var scanner = SSEUsageScanner(removeUsageOnlyChunk: remove, maxEventBytes: maxEventBytes)
        var output: [UInt8] = []
        for (index, piece) in pieces.enumerated() {
            let forwarded = scanner.feed(piece, now: UInt64(index + 1))
            if !remove && forwarded != piece {
                Issue.record("pass-through changed or delayed bytes", sourceLocation: sourceLocation)
            }
            output += forwarded
        }
        let rest = scanner.finish()
        if !remove && !rest.isEmpty { Issue.record("pass-through held bytes", sourceLocation: sourceLocation) }
        output += rest
        let outcome = Outcome(
            usage: scanner.usage, contentDeltas: scanner.contentDeltas, sawDone: scanner.sawDone, error: scanner.error,
            removedUsageChunk: scanner.removedUsageChunk, model: scanner.model, output: output)
        return (outcome, scanner)
    }

    static func outcome(_ bytes: [UInt8], remove: Bool, maxEventBytes: Int = 1 << 20) -> Outcome {
        run([bytes], remove: remove, maxEventBytes: maxEventBytes).0
    }

    /// Checks that `bytes` split into two pieces at every index, and fed one byte at a time, gives `expected`.
    static func verifySplits(
        _ bytes: [UInt8], remove: Bool, expected: Outcome, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(outcome(bytes, remove: remove) == expected, "whole", sourceLocation: sourceLocation)
        for cut in 0...bytes.count {
            let got = run([Array(bytes[..<cut]), Array(bytes[cut...])], remove: remove).0
            if got != expected {
                Issue.record("split at \(cut): \(got)", sourceLocation: sourceLocation)
                return
            }
        }
        let bytewise = run(bytes.map { [$0] }, remove: remove).0
        #expect(bytewise == expected, "bytewise", sourceLocation: sourceLocation)
    }

    // MARK: - Whole streams

    @Test func chatStreamWithUsageChunkGivesUsageDeltasAndDone() {
        let input = Self.bytes(Self.chatWithUsage)
        let (got, scanner) = Self.run([input], remove: false)
        #expect(got.usage == Self.chatTokens)
        #expect(got.contentDeltas == 3)
        #expect(got.sawDone)
        #expect(got.error == nil)
        #expect(!got.removedUsageChunk)
        #expect(got.model == Self.model)
        #expect(got.output == input)
        #expect(scanner.firstContentAt == 1)
    }

    @Test func chatAndCompletionsGiveTheSameResultAtEverySplitAndBytewise() {
        for (events, usage, deltas) in [
            (Self.chatWithUsage, Self.chatTokens, 3), (Self.completionsWithUsage, Self.completionTokens, 2),
        ] {
            let input = Self.bytes(events)
            let expected = Outcome(
                usage: usage, contentDeltas: deltas, sawDone: true, error: nil, removedUsageChunk: false,
                model: Self.model, output: input)
            Self.verifySplits(input, remove: false, expected: expected)
        }
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func acceptsLFCRLFAndCRLineEndings(lineEnding: String) {
        let input = Self.bytes(Self.chatWithUsage, lineEnding: lineEnding)
        let expected = Outcome(
            usage: Self.chatTokens, contentDeltas: 3, sawDone: true, error: nil, removedUsageChunk: false,
            model: Self.model, output: input)
        Self.verifySplits(input, remove: false, expected: expected)
    }

    @Test func acceptsDataWithoutSpace() {
        let events = Self.chatWithUsage.map { "data:" + $0.dropFirst("data: ".count) }
        let input = Self.bytes(events)
        #expect(input.starts(with: Array(#"data:{"id""#.utf8)))
        let got = Self.outcome(input, remove: false)
        #expect(got.usage == Self.chatTokens && got.contentDeltas == 3 && got.sawDone && got.model == Self.model)
    }

    @Test func commentsAndOtherFieldsAreForwardedButNotEvents() {
        let keepAlive = ": keep-alive\n\n"
        let events = [
            keepAlive, Self.chatRole, keepAlive, ": a comment mentioning \"usage\" and \"choices\":[]\n",
            "id: 7\nevent: message\nretry: 1000\n" + Self.chatToken(" tok0"), keepAlive, keepAlive,
            Self.chatToken(" tok1"), Self.chatFinishBeforeUsage, keepAlive, Self.chatUsage, keepAlive, Self.done,
        ]
        let input = Self.bytes(events)
        let expected = Outcome(
            usage: Self.chatTokens, contentDeltas: 3, sawDone: true, error: nil, removedUsageChunk: false,
            model: Self.model, output: input)
        Self.verifySplits(input, remove: false, expected: expected)
        // A comment-only stream is never an event.
        let comments = Self.outcome(Self.bytes([keepAlive, ": \"usage\":{\"prompt_tokens\":1}\n\n"]), remove: true)
        #expect(comments.usage == nil && comments.contentDeltas == 0 && comments.model == nil)
    }

    @Test func joinsMultiLineData() {
        let event =
            #"data: {"model":"m","choices":[{"index":0,"#
            + "\ndata: " + #""delta":{"content":"hi"}}],"# + "\ndata:"
            + #""usage":{"prompt_tokens":1,"total_tokens":2,"completion_tokens":1}}"# + "\n\n"
        for lineEnding in ["\n", "\r\n", "\r"] {
            let input = Self.bytes([event, Self.done], lineEnding: lineEnding)
            let expected = Outcome(
                usage: TokenUsage(promptTokens: 1, completionTokens: 1), contentDeltas: 1, sawDone: true, error: nil,
                removedUsageChunk: false, model: "m", output: input)
            Self.verifySplits(input, remove: false, expected: expected)
        }
    }

    @Test func handlesAnEventLargerThanOneFeed() {
        let big = String(repeating: "é tok ", count: 2000)
        let input = Self.bytes([Self.chatRole, Self.chatToken(big), Self.chatUsage, Self.done])
        let pieces = stride(from: 0, to: input.count, by: 1000).map { Array(input[$0..<min($0 + 1000, input.count)]) }
        #expect(pieces.count > 10)
        for remove in [false, true] {
            let (got, scanner) = Self.run(pieces, remove: remove)
            #expect(got.contentDeltas == 1)
            #expect(got.usage == Self.chatTokens)
            #expect(got.sawDone)
            let lastByteOfTokenEvent = Self.chatRole.utf8.count + Self.chatToken(big).utf8.count - 1
            #expect(scanner.firstContentAt == UInt64(lastByteOfTokenEvent / 1000 + 1))
            let expectedOutput = remove ? Self.bytes([Self.chatRole, Self.chatToken(big), Self.done]) : input
            #expect(got.output == expectedOutput)
        }
    }

    @Test func passesThroughAnEventLargerThanMaxEventBytesWithoutInspecting() {
        let padded = Self.chatUsage.replacingFirst(
            "vllm-0.33.0-615081ad", with: String(repeating: "x", count: 600))
        let input = Self.bytes([Self.chatRole, Self.chatToken(" tok0"), padded, Self.done])
        #expect(Self.chatToken(" tok0").utf8.count < 512 && padded.utf8.count > 512)
        for remove in [false, true] {
            let expected = Outcome(
                usage: nil, contentDeltas: 1, sawDone: true, error: nil, removedUsageChunk: false, model: Self.model,
                output: input)
            #expect(Self.outcome(input, remove: remove, maxEventBytes: 512) == expected)
            for cut in 0...input.count {
                let got = Self.run([Array(input[..<cut]), Array(input[cut...])], remove: remove, maxEventBytes: 512).0
                if got != expected {
                    Issue.record("remove \(remove), split at \(cut): \(got)")
                    break
                }
            }
            #expect(Self.run(input.map { [$0] }, remove: remove, maxEventBytes: 512).0 == expected)
        }
    }

    @Test func memoryStaysBoundedByMaxEventBytes() {
        let huge = Self.bytes([Self.chatToken(String(repeating: "a", count: 100_000)), Self.chatUsage])
        for remove in [false, true] {
            var scanner = SSEUsageScanner(removeUsageOnlyChunk: remove, maxEventBytes: 4096)
            var output: [UInt8] = []
            for start in stride(from: 0, to: huge.count, by: 1000) {
                output += scanner.feed(Array(huge[start..<min(start + 1000, huge.count)]), now: 0)
                #expect(scanner.bufferedByteCount <= 2 * 4096)
            }
            output += scanner.finish()
            #expect(scanner.contentDeltas == 0)
            #expect(scanner.usage == Self.chatTokens)
            #expect(output == (remove ? Self.bytes([Self.chatToken(String(repeating: "a", count: 100_000))]) : huge))
        }
    }

    @Test func withoutUsageChunkUsageIsNilAndDeltasAreCounted() {
        let input = Self.bytes(Self.chatWithoutUsage)
        let expected = Outcome(
            usage: nil, contentDeltas: 3, sawDone: true, error: nil, removedUsageChunk: false, model: Self.model,
            output: input)
        Self.verifySplits(input, remove: false, expected: expected)
        Self.verifySplits(input, remove: true, expected: expected)
    }

    /// The role chunk and every token chunk carry cumulative usage; the last one wins.
    @Test func continuousUsageStatsLastUsageWins() {
        func usage(_ completion: Int) -> String {
            #","usage":{"prompt_tokens":5,"total_tokens":\#(5 + completion),"completion_tokens":\#(completion),"completion_tokens_details":null}"#
        }
        let role = Self.chatRole.replacingFirst(
            #"}],"prompt_token_ids""#, with: "}]" + usage(0) + #","prompt_token_ids""#)
        let tokens = (0..<3).map { Self.chatToken(" tok\($0)").replacingFirst("}],", with: "}]" + usage($0 + 1) + ",") }
        #expect(role.contains(#""completion_tokens":0,"#) && tokens[2].contains(#""completion_tokens":3,"#))
        // Aborted before the final usage chunk: the last continuous count stands.
        let aborted = Self.outcome(Self.bytes([role, tokens[0], tokens[1]]), remove: false)
        #expect(aborted.usage == TokenUsage(promptTokens: 5, completionTokens: 2))
        #expect(aborted.contentDeltas == 2)
        let roleOnly = Self.outcome(Self.bytes([role]), remove: false)
        #expect(roleOnly.usage == TokenUsage(promptTokens: 5, completionTokens: 0) && roleOnly.contentDeltas == 0)
        // Complete: the final usage chunk is last; only it is removed.
        let input = Self.bytes([role] + tokens + [Self.chatUsage, Self.done])
        let expected = Outcome(
            usage: Self.chatTokens, contentDeltas: 3, sawDone: true, error: nil, removedUsageChunk: true,
            model: Self.model, output: Self.bytes([role] + tokens + [Self.done]))
        Self.verifySplits(input, remove: true, expected: expected)
    }

    /// Speculative decoding: three tokens in one delta is still one delta.
    @Test func countsDeltasNotTokens() {
        let multi = Self.chatToken(" tok0 tok1 tok2").replacingFirst(
            "}],", with: #"}],"usage":{"prompt_tokens":5,"total_tokens":8,"completion_tokens":3},"#)
        let got = Self.outcome(Self.bytes([Self.chatRole, multi, Self.done]), remove: false)
        #expect(got.contentDeltas == 1)
        #expect(got.usage == Self.chatTokens)
    }

    @Test func roleChunkWithEmptyContentIsNotContent() {
        let (got, scanner) = Self.run([Self.bytes([Self.chatRole])], remove: false)
        #expect(got.contentDeltas == 0)
        #expect(scanner.firstContentAt == nil)
        #expect(got.model == Self.model)
        let empty = Self.outcome(Self.bytes([Self.chatToken(""), Self.completionToken("")]), remove: false)
        #expect(empty.contentDeltas == 0)
    }

    @Test func reasoningAndToolCallDeltasCount() {
        let reasoning = Self.chatToken(" tok0").replacingFirst(#""content":" tok0""#, with: #""reasoning":" think""#)
        let legacy = Self.chatToken(" tok0").replacingFirst(
            #""content":" tok0""#, with: #""reasoning_content":"hmm","content":null"#)
        let tool = Self.chatToken(" tok0").replacingFirst(
            #""content":" tok0""#,
            with: #""tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]"#)
        let noTools = Self.chatToken(" tok0").replacingFirst(#""content":" tok0""#, with: #""tool_calls":[ ]"#)
        let (got, scanner) = Self.run(
            [Self.bytes([Self.chatRole]), Self.bytes([noTools]), Self.bytes([reasoning, legacy, tool])], remove: false)
        #expect(got.contentDeltas == 3)
        #expect(scanner.firstContentAt == 3)
    }

    @Test(arguments: [chatError, completionError])
    func midStreamErrorSetsErrorWithoutUsage(errorEvent: String) {
        let input = Self.bytes([Self.chatRole, Self.chatToken(" tok0"), errorEvent, Self.done])
        let expected = Outcome(
            usage: nil, contentDeltas: 1, sawDone: true,
            error: StreamError(message: "Internal server error", type: "InternalServerError", code: 500),
            removedUsageChunk: false, model: Self.model, output: input)
        Self.verifySplits(input, remove: false, expected: expected)
        Self.verifySplits(input, remove: true, expected: expected)
    }

    @Test func errorCodeMayBeANumericStringAndOnlyTheFirstErrorIsKept() {
        let first = #"data: {"error":{"message":"busy","type":"Service Unavailable","code":"503"}}"# + "\n\n"
        let got = Self.outcome(Self.bytes([first, Self.chatError]), remove: false)
        #expect(got.error == StreamError(message: "busy", type: "Service Unavailable", code: 503))
        let odd = Self.outcome(Self.bytes([#"data: {"error":{"code":"x5","message":7}}"# + "\n\n"]), remove: false)
        #expect(odd.error == StreamError(message: nil, type: nil, code: nil))
    }

    @Test func invalidJSONIsForwardedButNotInspected() {
        let broken = [
            #"data: {"usage":{"prompt_tokens":1,"completion_tokens":1},"choices":[]"# + "\n\n",
            #"data: {"model":"m","choices":[{"text":"a"}]} trailing"# + "\n\n",
            "data: [DONE] \n\n", "data:  [DONE]\n\n", "data\n\n", "data:\n\n", "dat: [DONE]\n\n", "datax: [DONE]\n\n",
        ]
        let input = Self.bytes(broken)
        let expected = Outcome(
            usage: nil, contentDeltas: 0, sawDone: false, error: nil, removedUsageChunk: false, model: nil,
            output: input)
        Self.verifySplits(input, remove: true, expected: expected)
        Self.verifySplits(input, remove: false, expected: expected)
    }

    @Test func allowsAUTF8BOMAtTheStart() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let input = bom + Self.bytes(Self.chatWithUsage)
        Self.verifySplits(
            input, remove: false,
            expected: Outcome(
                usage: Self.chatTokens, contentDeltas: 3, sawDone: true, error: nil, removedUsageChunk: false,
                model: Self.model, output: input))
        // A BOM opening the removed event stays.
        let usageFirst = bom + Self.bytes([Self.chatUsage, Self.done])
        Self.verifySplits(
            usageFirst, remove: true,
            expected: Outcome(
                usage: Self.chatTokens, contentDeltas: 0, sawDone: true, error: nil, removedUsageChunk: true,
                model: Self.model, output: bom + Self.bytes([Self.done])))
        // A BOM anywhere else, or a broken one, spoils that line only.
        let late = Self.bytes([Self.chatRole]) + bom + Self.bytes([Self.chatToken(" tok0"), Self.done])
        #expect(Self.outcome(late, remove: false).contentDeltas == 0)
        let broken = [0xEF, 0xBB] + Self.bytes([Self.chatToken(" tok0"), Self.chatToken(" tok1")])
        #expect(Self.outcome(broken, remove: false).contentDeltas == 1)
    }

    // MARK: - Removal

    @Test(arguments: ["\n", "\r\n", "\r"])
    func removalDropsExactlyTheUsageOnlyEventAtEverySplit(lineEnding: String) {
        let cases: [([String], String, TokenUsage, Int)] = [
            (Self.chatWithUsage, Self.chatUsage, Self.chatTokens, 3),
            (Self.completionsWithUsage, Self.completionUsage, Self.completionTokens, 2),
        ]
        for (events, usageEvent, usage, deltas) in cases {
            let input = Self.bytes(events, lineEnding: lineEnding)
            let output = Self.bytes(events.filter { $0 != usageEvent }, lineEnding: lineEnding)
            #expect(output.count == input.count - Self.bytes([usageEvent], lineEnding: lineEnding).count)
            let expected = Outcome(
                usage: usage, contentDeltas: deltas, sawDone: true, error: nil, removedUsageChunk: true,
                model: Self.model, output: output)
            Self.verifySplits(input, remove: true, expected: expected)
        }
    }

    @Test func removalWithoutUsageChunkForwardsEverything() {
        let keepAlive = ": keep-alive\n\n"
        let input = Self.bytes([keepAlive] + Self.chatWithoutUsage + ["\n\n"])
        let expected = Outcome(
            usage: nil, contentDeltas: 3, sawDone: true, error: nil, removedUsageChunk: false, model: Self.model,
            output: input)
        Self.verifySplits(input, remove: true, expected: expected)
        Self.verifySplits(
            Self.bytes(Self.chatWithoutUsage, lineEnding: "\r\n"), remove: true,
            expected: {
                var crlf = expected
                crlf.output = Self.bytes(Self.chatWithoutUsage, lineEnding: "\r\n")
                return crlf
            }())
    }

    @Test func removalForwardsBytesBetweenEventsAndCompleteEventsAtOnce() {
        var scanner = SSEUsageScanner(removeUsageOnlyChunk: true)
        let role = Array(Self.chatRole.utf8)
        let usage = Array(Self.chatUsage.utf8)
        #expect(scanner.feed(role + Array("\n\n".utf8) + usage.prefix(20), now: 1) == role + Array("\n\n".utf8))
        #expect(scanner.feed(Array(usage.dropFirst(20)), now: 2) == [])
        #expect(scanner.removedUsageChunk)
        #expect(scanner.feed(Array(Self.done.utf8), now: 3) == Array(Self.done.utf8))
        #expect(scanner.finish() == [])
    }

    @Test func finishReturnsAHeldIncompleteEvent() {
        let partial = Array(#"data: {"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":5,"#.utf8)
        var removing = SSEUsageScanner(removeUsageOnlyChunk: true)
        #expect(removing.feed(partial, now: 1) == [])
        #expect(removing.finish() == partial)
        #expect(removing.usage == nil && !removing.removedUsageChunk)
        // Even a complete usage-only payload without its blank line is forwarded, not dropped.
        let unterminated = Array(Self.chatUsage.dropLast().utf8)
        var unfinished = SSEUsageScanner(removeUsageOnlyChunk: true)
        #expect(unfinished.feed(unterminated, now: 1) == [])
        #expect(unfinished.finish() == unterminated)
        #expect(!unfinished.removedUsageChunk)
        var passing = SSEUsageScanner(removeUsageOnlyChunk: false)
        #expect(passing.feed(partial, now: 1) == partial)
        #expect(passing.finish() == [])
    }

    // MARK: - Time

    @Test func firstContentAtIsTheFeedThatCompletedTheFirstContentEvent() {
        let role = Array(Self.chatRole.utf8)
        let tok0 = Array(Self.chatToken(" tok0").utf8)
        let (_, split) = Self.run(
            [role, Array(tok0.prefix(100)), Array(tok0.dropFirst(100).dropLast()), [tok0.last!], role], remove: false)
        #expect(split.firstContentAt == 4)
        // Byte at a time with now = index + 1: the event completes on its final LF.
        let input = Self.bytes(Self.chatWithUsage)
        for remove in [false, true] {
            let (_, bytewise) = Self.run(input.map { [$0] }, remove: remove)
            #expect(bytewise.firstContentAt == UInt64(role.count + tok0.count))
        }
        // CRLF: the blank line's CR completes it; the LF after it does not matter.
        let crlf = Self.bytes(Self.chatWithUsage, lineEnding: "\r\n")
        let (_, crlfScanner) = Self.run(crlf.map { [$0] }, remove: false)
        #expect(crlfScanner.firstContentAt == UInt64(role.count + 2 + tok0.count + 2 - 1))
    }

    // MARK: - Fuzzing

    /// The event kinds the stream fuzzer draws from.
    static let fuzzPool: [(event: String, deltas: Int, usage: TokenUsage?, usageOnly: Bool)] = [
        (chatRole, 0, nil, false),
        (chatToken(" tok0"), 1, nil, false),
        (chatToken(" tok0 tok1 tok2"), 1, nil, false),
        (chatFinish, 1, nil, false),
        (chatUsage, 0, chatTokens, true),
        (completionToken(" tok1"), 1, nil, false),
        (completionUsage, 0, completionTokens, true),
        (": keep-alive\n\n", 0, nil, false),
        ("id: 3\nevent: x\n" + chatToken(" y"), 1, nil, false),
        (
            #"data: {"choices":[{"delta":{"content":"a"}}],"# + "\ndata: "
                + #""usage":{"prompt_tokens":9,"completion_tokens":1}}"# + "\n\n", 1,
            TokenUsage(promptTokens: 9, completionTokens: 1), false
        ),
        (
            "data:" + #"{"choices":[],"usage":{"prompt_tokens":7}}"# + "\n\n", 0,
            TokenUsage(promptTokens: 7, completionTokens: nil), true
        ),
        ("data: not json\n\n", 0, nil, false),
        ("\n", 0, nil, false),
    ]

    @Test func seededRandomStreamsAndSplitsAgreeWithTheWholeFeed() {
        var rng = SplitMix64(seed: 0x55E_5CA9)
        for _ in 0..<300 {
            let picks = (0..<Int.random(in: 0...12, using: &rng)).map { _ in
                Self.fuzzPool.randomElement(using: &rng)!
            }
            let lineEnding = ["\n", "\r\n", "\r"].randomElement(using: &rng)!
            // A lone "\n" event after a CR line ending would merge into a CRLF; keep it only for LF streams.
            let events = picks.filter { lineEnding == "\n" || $0.event != "\n" }
            let input = Self.bytes(events.map(\.event), lineEnding: lineEnding)
            let remove = Bool.random(using: &rng)
            let kept = remove ? events.filter { !$0.usageOnly } : events
            let expected = Outcome(
                usage: events.last { $0.usage != nil }?.usage, contentDeltas: events.reduce(0) { $0 + $1.deltas },
                sawDone: false, error: nil, removedUsageChunk: remove && events.contains { $0.usageOnly },
                model: events.contains { $0.event.contains("\"model\"") } ? Self.model : nil,
                output: Self.bytes(kept.map(\.event), lineEnding: lineEnding))
            let pieces = Self.randomPieces(input, using: &rng)
            let got = Self.run(pieces, remove: remove).0
            #expect(got == expected, "\(pieces.map { String(decoding: $0, as: UTF8.self) })")
            if got != expected { return }
        }
    }

    @Test func randomBytesAndMutatedStreamsNeverTrap() {
        var rng = SplitMix64(seed: 0xBAD_5EED)
        let alphabet: [UInt8] =
            Array("data: \r\n\r\n:{}[]\",usage choices error model [DONE] text delta content 0123".utf8)
            + [0xEF, 0xBB, 0xBF, 0x00, 0xFF]
        let valid = Self.bytes(Self.chatWithUsage + Self.completionsWithUsage + [Self.chatError])
        for round in 0..<1000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int.random(in: 0...300, using: &rng)).map { _ in
                    Bool.random(using: &rng)
                        ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                input = valid
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let index = Int.random(in: 0..<input.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: input[index] = alphabet.randomElement(using: &rng)!
                    case 1: input.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                    default: input.remove(at: index)
                    }
                }
            }
            let maxEventBytes = [64, 512, 1 << 20].randomElement(using: &rng)!
            for remove in [false, true] {
                let whole = Self.outcome(input, remove: remove, maxEventBytes: maxEventBytes)
                let split = Self.run(
                    Self.randomPieces(input, using: &rng), remove: remove, maxEventBytes: maxEventBytes
                ).0
                #expect(split == whole)
                if !whole.removedUsageChunk { #expect(whole.output == input) }
                if whole.removedUsageChunk { #expect(whole.output.count < input.count) }
            }
        }
    }

    /// `bytes` cut at up to 12 random points (empty pieces allowed).
    static func randomPieces(_ bytes: [UInt8], using rng: inout SplitMix64) -> [[UInt8]] {
        let cuts = (0..<Int.random(in: 0...12, using: &rng)).map { _ in Int.random(in: 0...bytes.count, using: &rng) }
        var pieces: [[UInt8]] = []
        var start = 0
        for cut in cuts.sorted() + [bytes.count] {
            pieces.append(Array(bytes[start..<cut]))
            start = cut
        }
        return pieces
    }
}

extension String {
    /// `self` with the first occurrence of `target` replaced (no Foundation).
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = self.firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}

struct SSEQuickContentCheckTests {
    func check(_ text: String) -> Bool? {
        Array(text.utf8).withUnsafeBufferPointer { SSEEventInspector.quickContentCheck($0) }
    }

    @Test func classifiesDeltasWithoutParsing() {
        #expect(check(#"{"choices":[{"index":0,"delta":{"content":" tok0"}}]}"#) == true)
        #expect(check(#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#) == false)
        #expect(check(#"{"choices":[{"index":0,"delta":{"content": "spaced"}}]}"#) == true)
        #expect(check(#"{"choices":[{"index":0,"text":"x"}]}"#) == true)
        #expect(check(#"{"choices":[{"index":0,"text_offset":[1],"text":""}]}"#) == false)
        #expect(check(#"{"choices":[{"delta":{"reasoning":"hm"}}]}"#) == true)
        #expect(check(#"{"choices":[{"delta":{"tool_calls":[ ]}}]}"#) == false)
        #expect(check(#"{"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}"#) == true)
        // A key-like sequence inside a string value is escaped, so it is not a key.
        #expect(check(#"{"choices":[{"delta":{"content":""},"x":"\"content\":\"y"}]}"#) == false)
        #expect(check(#"{"choices":[{"delta":{"content":"\\"}}]}"#) == true)
        // Events that may carry usage or an error need the full parse.
        #expect(check(#"{"choices":[],"usage":{"prompt_tokens":1}}"#) == nil)
        #expect(check(#"{"error":{"message":"x"}}"#) == nil)
        // ... but not when the key is text inside a string value.
        #expect(check(#"{"choices":[{"delta":{"content":"a \"usage\": b"}}]}"#) == true)
        #expect(check(#"{"choices":[{"delta":{"content":"\"error\""}}]}"#) == true)
        #expect(check(#"{"choices":[{"delta":{"content":"x"}}],"usage""#) == nil)
        // Keys cut off at the end of the payload.
        #expect(check(#"{"choices":[{"delta":{"content""#) == false)
        #expect(check(#"{"choices":[{"delta":{"content":"#) == false)
        #expect(check(#"{"choices":[{"delta":{"content":""#) == false)
    }

    /// The quick check and the full JSON parse agree on every generated chunk shape: keys in
    /// any order, spacing around colons, empty and non-empty values, escaped quotes and key-like
    /// text inside strings, at every offset from an eight-byte word boundary.
    @Test func agreesWithTheFullParse() throws {
        let values = [#""""#, #""x""#, #""\"""#, #""\\""#, #""\"content\":\"y""#, #""a\"usage\":1""#, "null", "[]", "[ ]",
                      #"[{"index":0}]"#, #""\"\"""#]
        // `text` is a choice's member (completions), never a delta's: the quick check counts any
        // `"text":` key, the full parse only the choice's.
        let keys = ["content", "reasoning", "reasoning_content", "tool_calls", "role", "contents", "refusal"]
        let spacings = [(":", ""), (" : ", " "), (":\n", "\t")]
        var rng = SplitMix64(seed: 11)
        var checked = 0
        for _ in 0..<3_000 {
            let pad = String(repeating: "p", count: Int.random(in: 0...8, using: &rng))
            let fieldCount = Int.random(in: 0...3, using: &rng)
            let spacing = spacings[Int.random(in: 0..<spacings.count, using: &rng)]
            let fields = (0..<fieldCount).map { _ in
                "\"\(keys[Int.random(in: 0..<keys.count, using: &rng)])\"\(spacing.0)\(values[Int.random(in: 0..<values.count, using: &rng)])"
            }
            let textField = Bool.random(using: &rng) ? ",\"text\":\(values[Int.random(in: 0..<values.count, using: &rng)])" : ""
            let event = #"{"id":"\#(pad)","choices":[{"index":0,"delta":{"# + fields.joined(separator: ",") + "}" + textField
                + #","finish_reason":null}],"model":"m"}"#
            let bytes = Array(event.utf8)
            let full = try #require(SSEEventInspector.inspect(bytes, wantModel: false, wantError: false), "\(event)")
            #expect(check(event) == full.hasContent, "\(event)")
            checked += 1
        }
        #expect(checked == 3_000)
    }
}
