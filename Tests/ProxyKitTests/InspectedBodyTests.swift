import Testing
@testable import ProxyKit

struct InspectedBodyTests {
    func inspect(_ text: String) throws -> InspectedBody { try InspectedBody(body: Array(text.utf8)) }
    func injected(_ text: String) throws -> String {
        let body = try inspect(text)
        return String(decoding: body.injectingIncludeUsage(into: Array(text.utf8)), as: UTF8.self)
    }

    @Test func duplicatesOfFieldsItDoesNotReadAreForwarded() throws {
        let body = try inspect(#"{"model":"m","temperature":1,"temperature":0,"stream":true}"#)
        #expect(body.model == "m" && body.stream)
    }

    @Test func readsTheFieldsItActsOn() throws {
        let body = try inspect(#"{"model":"m","messages":[{"role":"user","content":"hello there"}],"stream":true,"max_tokens":16}"#)
        #expect(body.model == "m")
        #expect(body.stream)
        #expect(!body.includeUsage)
        #expect(body.maxTokens == 16)
        #expect(body.needsUsageInjection)
        #expect(body.promptBytes == #"[{"role":"user","content":"hello there"}]"#.utf8.count)
        #expect(body.estimatedPromptTokens == (body.promptBytes + 3) / 4)
    }

    /// Keys are matched on their decoded bytes; near misses (one bit off in any byte, other
    /// case, a prefix or an extension) name no field, and an escaped key names its field.
    @Test func everyFieldIsFoundByItsKeyAndNoNearMiss() throws {
        let names: [(String, InspectedBody.Field)] = [
            ("model", .model), ("stream", .stream), ("stream_options", .streamOptions), ("max_tokens", .maxTokens),
            ("max_completion_tokens", .maxCompletionTokens), ("messages", .messages), ("prompt", .prompt), ("input", .input),
        ]
        for (name, expected) in names {
            #expect(InspectedBody.Field.named(name) == expected)
            var misses = [name.uppercased(), String(name.dropLast()), name + "s", "_" + name, String(name.dropFirst())]
            for i in 0..<name.utf8.count {
                var bytes = Array(name.utf8)
                bytes[i] ^= 1
                misses.append(String(decoding: bytes, as: UTF8.self))
            }
            for miss in misses where !names.contains(where: { $0.0 == miss }) {
                #expect(InspectedBody.Field.named(miss) == nil, "\(miss)")
            }
        }
        #expect(InspectedBody.Field.named("") == nil)
        let body = try inspect(#"{"mod\u0065l":"m","\u0073tream":true,"max_tokens":4}"#)
        #expect(body.model == "m" && body.stream && body.maxTokens == 4)
    }

    @Test func maxCompletionTokensWinsWhenNonNull() throws {
        #expect(try inspect(#"{"max_tokens":5,"max_completion_tokens":9}"#).maxTokens == 9)
        #expect(try inspect(#"{"max_completion_tokens":9,"max_tokens":5}"#).maxTokens == 9)
        #expect(try inspect(#"{"max_completion_tokens":null,"max_tokens":5}"#).maxTokens == 5)
        #expect(try inspect(#"{"model":"m"}"#).maxTokens == nil)
    }

    @Test func promptSizeIsTheRawPromptJSON() throws {
        #expect(try inspect(#"{"prompt":["abcd","efghijkl"],"model":"m"}"#).promptBytes == #"["abcd","efghijkl"]"#.utf8.count)
        #expect(try inspect(#"{"input":"abcdefgh"}"#).promptBytes == 10)
        #expect(try inspect(#"{"model":"m"}"#).estimatedPromptTokens == 0)
        let big = String(repeating: "word ", count: 40_000)
        let estimate = try inspect(#"{"messages":[{"role":"user","content":"\#(big)"}]}"#).estimatedPromptTokens
        #expect(estimate >= 50_000 && estimate <= 50_020)
    }

    @Test func includeUsageIsSplicedWithoutTouchingOtherBytes() throws {
        #expect(try injected(#"{"model":"m","stream":true}"#) == #"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try injected("{ \"stream\" : true ,\n \"model\":\"m\"\n}") == "{ \"stream\" : true ,\n \"model\":\"m\",\"stream_options\":{\"include_usage\":true}\n}")
        #expect(try injected(#"{"stream":true,"stream_options":{}}"#) == #"{"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try injected(#"{"stream":true,"stream_options":{"continuous_usage_stats":false}}"#)
            == #"{"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":false}}"#)
        #expect(try injected(#"{"stream":true,"stream_options":{"include_usage":false}}"#) == #"{"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try injected(#"{"stream":true,"stream_options":{"include_usage":null,"x":1}}"#) == #"{"stream":true,"stream_options":{"include_usage":true,"x":1}}"#)
        #expect(try injected(#"{"stream":true,"stream_options":null}"#) == #"{"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(try injected(#"{"model":"caf\u00e9 ☕","stream":true}"#) == #"{"model":"caf\u00e9 ☕","stream":true,"stream_options":{"include_usage":true}}"#)
    }

    @Test func includeUsageFalseIsLikeAbsent() throws {
        #expect(try inspect(#"{"stream":true,"stream_options":{"include_usage":false}}"#).needsUsageInjection)
        #expect(!(try inspect(#"{"stream":true,"stream_options":{"include_usage":true}}"#).needsUsageInjection))
        #expect(!(try inspect(#"{"stream":false}"#).needsUsageInjection))
        #expect(!(try inspect(#"{"model":"m"}"#).needsUsageInjection))
    }

    @Test func injectedBodiesStayValidJSON() throws {
        for text in [#"{"stream":true}"#, #"{"stream":true,"stream_options":{}}"#, #"{"a":[1,{"b":2}],"stream":true,"stream_options":{"y":[]}}"#] {
            let out = try inspect(text).injectingIncludeUsage(into: Array(text.utf8))
            let again = try InspectedBody(body: out)
            #expect(again.includeUsage, "\(text)")
        }
    }

    @Test(arguments: ["", "[]", "{", #"{"model":"a","model":"b"}"#, #"{"stream":true,"stream":false}"#, #"{"model":"a","mod\u0065l":"b"}"#, "{} {}", "\u{FEFF}{}",
                      #"{"stream_options":{},"stream_options":{}}"#, #"{"max_tokens":1,"max_tokens":2}"#,
                      #"{"max_completion_tokens":1,"max_completion_tokens":2}"#, #"{"messages":[],"messages":[]}"#,
                      #"{"prompt":"a","prompt":"b"}"#, #"{"input":"a","input":"b"}"#])
    func invalidOrAmbiguousBodiesAre400(text: String) {
        #expect(throws: OpenAIError.self) { try InspectedBody(body: Array(text.utf8)) }
    }
}

struct ModelListFilterTests {
    @Test func keepsOnlyAllowedModelsAndOtherBytes() {
        let body = #"{"object":"list","data":[{"id":"a","object":"model"},{"id":"b","object":"model"},{"id":"c"}],"x":1}"#
        let out = ModelListFilter.filter(Array(body.utf8), allowed: ["a", "c"]).map { String(decoding: $0, as: UTF8.self) }
        #expect(out == #"{"object":"list","data":[{"id":"a","object":"model"},{"id":"c"}],"x":1}"#)
        #expect(ModelListFilter.filter(Array("[]".utf8), allowed: []) == nil)
    }
}

struct UsageRecordTests {
    @Test func jsonLineHasTheContractKeyOrderAndNulls() {
        let record = UsageRecord(ts: 1_780_021_321, user: "bob", model: "deepseek-v4-flash", promptTokens: 2340, completionTokens: 512,
                                 durationMs: 4521, requestID: "r1", keyID: "AbCdEfGh", status: 200, stream: true, ttftMs: 80,
                                 usageSource: .upstream, reason: nil, clientIP: "100.64.0.2")
        let line = String(decoding: record.jsonLine, as: UTF8.self)
        #expect(line == #"{"ts":"2026-05-29T02:22:01Z","user":"bob","model":"deepseek-v4-flash","prompt_tokens":2340,"completion_tokens":512,"duration_ms":4521,"request_id":"r1","key_id":"AbCdEfGh","status":200,"stream":true,"ttft_ms":80,"usage_source":"upstream","reason":null,"client_ip":"100.64.0.2"}"# + "\n")
        #expect(UsageRecord(jsonLine: Array(record.jsonLine.dropLast())) == record)
        let anonymous = UsageRecord(ts: 0, user: nil, model: nil, promptTokens: nil, completionTokens: nil, durationMs: 0, requestID: "q\"x",
                                    keyID: nil, status: 401, stream: false, ttftMs: nil, usageSource: .none, reason: "invalid_api_key", clientIP: nil)
        #expect(UsageRecord(jsonLine: Array(anonymous.jsonLine.dropLast())) == anonymous)
        #expect(String(decoding: anonymous.jsonLine, as: UTF8.self).hasPrefix(#"{"ts":"1970-01-01T00:00:00Z","user":null,"model":null,"prompt_tokens":null"#))
    }

    @Test func garbageLinesDoNotParse() {
        for line in ["", "{}", "not json", #"{"ts":"x","duration_ms":1,"request_id":"r","status":200,"usage_source":"upstream"}"#] {
            #expect(UsageRecord(jsonLine: Array(line.utf8)) == nil)
        }
    }
}
